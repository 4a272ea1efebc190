from __future__ import annotations

from functools import wraps

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from lms.admin import bp
from lms.audit.models import AuditEvent
from lms.auth.services import set_disabled
from lms.extensions import db
from lms.orgs.forms import ConfirmForm
from lms.types import utcnow
from lms.users.models import User


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


@bp.route("/users")
@admin_required
def users():
    q = (request.args.get("q") or "").strip()[:100]
    query = select(User).order_by(User.created_at.desc(), User.id.desc())
    if q:
        like = f"%{q.lower()}%"
        query = query.where(func.lower(User.email).like(like) | func.lower(User.last_name).like(like))
    page = db.paginate(query, page=max(request.args.get("page", 1, type=int) or 1, 1),
                       per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_template("lms/admin/users.html", page=page, q=q, form=ConfirmForm())


@bp.route("/users/<int:user_id>/<any(disable, enable):action>", methods=["POST"])
@admin_required
def set_user_disabled(user_id: int, action: str):
    user = db.session.get(User, user_id) or abort(404)
    if user.id == current_user.id:
        flash("You cannot disable your own account.", "danger")
    elif ConfirmForm().validate_on_submit():
        set_disabled(current_user._get_current_object(), user, action == "disable", now=utcnow(),
                     ip=request.remote_addr)
        flash(f"{user.email} is {action}d.", "success")
    return redirect(url_for("admin.users"))


@bp.route("/audit")
@admin_required
def audit():
    page = db.paginate(select(AuditEvent).order_by(AuditEvent.id.desc()),
                       page=max(request.args.get("page", 1, type=int) or 1, 1),
                       per_page=50, error_out=False)
    return render_template("lms/admin/audit.html", page=page)
