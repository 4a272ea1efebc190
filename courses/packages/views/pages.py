"""Pages for educators (import a package into a lesson) and learners (launch it)."""
