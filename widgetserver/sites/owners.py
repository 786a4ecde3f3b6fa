"""Owners: the people who log in to the owners' pages and own sites."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from ..models import Owner
from .inputs import InputError, normalise_email


def create_owner(
    session: Session, email: str, *, password: str | None, is_admin: bool, now: datetime
) -> Owner:
    """A new owner; ``InputError`` for an unusable or already registered e-mail address.

    An owner created without a password cannot log in to the owners' pages.
    """
    email = normalise_email(email)
    if session.scalar(select(Owner.id).where(Owner.email == email)) is not None:
        raise InputError(f"an owner with the e-mail {email} exists already")
    owner = Owner(
        email=email,
        password_hash=generate_password_hash(password) if password else None,
        is_admin=is_admin,
        created_at=now,
    )
    session.add(owner)
    session.flush()
    return owner


def find_owner(session: Session, email: str) -> Owner | None:
    return session.scalar(select(Owner).where(Owner.email == email.strip().lower()))
