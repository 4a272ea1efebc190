"""Meeting views: scheduling, the room and minutes (meetings), attendance and live credit (attendance)."""

from meetings.views import attendance, meetings  # noqa: F401
