"""``widgetserver owners`` and ``widgetserver sites``: owner accounts and sites from the shell."""

from __future__ import annotations

import sys
from datetime import timedelta
from typing import Any

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..core import clock
from ..core.cli import emit, fail, json_option
from ..core.db import db
from ..models import Site
from ..web.publicurl import public_url
from . import (
    GraceRunning,
    InputError,
    RotationConflict,
    by_key,
    create_owner,
    create_site,
    embed_snippet,
    find_owner,
    rotate_secret,
)


@click.group("owners", cls=AppGroup, help="Shop owners (people who log in to the stats page).")
def owners_group() -> None:
    pass


@owners_group.command("create", help="Create an owner account.")
@click.argument("email")
@click.option("--admin", is_flag=True, help="May see and manage every site.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@json_option
def owners_create(email: str, admin: bool, password_stdin: bool, as_json: bool) -> None:
    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if len(password) < 8:
            fail("the password must have at least 8 characters")
    with db.writing() as session:
        try:
            owner = create_owner(session, email, password=password, is_admin=admin, now=clock.now())
        except InputError as exc:
            fail(str(exc))
        data = {
            "id": owner.id,
            "email": owner.email,
            "admin": owner.is_admin,
            "password_set": password is not None,
        }
    emit(
        as_json, data, lambda d: f"Owner {d['email']} created" + (" (admin)" if d["admin"] else "")
    )


@click.group("sites", cls=AppGroup, help="Shops served by this server.")
def sites_group() -> None:
    pass


def _site_data(site: Site, *, with_secret: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "public_key": site.public_key,
        "name": site.name,
        "owner": site.owner.email,
        "origins": list(site.origins),
        "active": site.active,
        "created_at": site.created_at.isoformat(),
    }
    if with_secret:
        data["secret"] = site.secret
        data["snippet"] = embed_snippet(public_url(), site)
    return data


@sites_group.command("create", help="Create a site and print its key, secret and snippet.")
@click.option("--owner", "owner_email", required=True, help="The owner's e-mail address.")
@click.option("--name", required=True, help="The shop's name.")
@click.option(
    "--origin",
    "origins",
    multiple=True,
    required=True,
    help="A shop origin allowed to embed the widgets (repeat for several).",
)
@json_option
def sites_create(owner_email: str, name: str, origins: tuple[str, ...], as_json: bool) -> None:
    with db.writing() as session:
        owner = find_owner(session, owner_email)
        if owner is None:
            fail(f"no owner with the e-mail {owner_email}; create one with `owners create`")
        try:
            site = create_site(session, owner, name, list(origins), now=clock.now())
        except InputError as exc:
            fail(str(exc))
        data = _site_data(site, with_secret=True)
    emit(
        as_json,
        data,
        lambda d: (
            f"Site {d['name']} created.\n  public key: {d['public_key']}\n  secret:     "
            f"{d['secret']}  (keep it on the shop's server only)\n\nEmbed snippet:\n{d['snippet']}"
        ),
    )


@sites_group.command("list", help="List sites with their owners and origins.")
@json_option
def sites_list(as_json: bool) -> None:
    rows = db.session.scalars(select(Site).options(joinedload(Site.owner)).order_by(Site.id)).all()
    data = [_site_data(site) for site in rows]
    emit(
        as_json,
        data,
        lambda d: (
            "\n".join(
                f"{s['public_key']}  {s['name']}  ({s['owner']})  {' '.join(s['origins'])}"
                + ("" if s["active"] else "  [inactive]")
                for s in d
            )
            or "No sites yet."
        ),
    )


@sites_group.command("rotate-secret", help="Give a site a new secret.")
@click.argument("public_key")
@click.option(
    "--grace-hours",
    type=click.IntRange(0, 168),
    default=0,
    show_default=True,
    help="Keep accepting the old secret this long, while the shop is updated.",
)
@json_option
def sites_rotate_secret(public_key: str, grace_hours: int, as_json: bool) -> None:
    with db.writing() as session:
        site = by_key(session, public_key)
        if site is None:
            fail(f"no active site with the public key {public_key}")
        now = clock.now()
        try:
            grace = timedelta(hours=grace_hours)
            secret = rotate_secret(session, site, grace=grace, now=now)
        except GraceRunning as running:
            fail(
                f"{running}; rotate again after that, or with --grace-hours 0 to end the old "
                "secrets at once (nothing was changed)"
            )
        except RotationConflict:
            fail(
                "the site's secret or key was replaced meanwhile (on the owners' page or by "
                "another command); only the secret made then works, and nothing more was "
                "changed. Run the command again to replace that one too."
            )
        data = {
            "public_key": site.public_key,
            "secret": secret,
            "previous_secret_valid_until": site.previous_secret_until.isoformat()
            if site.previous_secret_until
            else None,
        }
    emit(
        as_json,
        data,
        lambda d: (
            f"New secret for {d['public_key']}: {d['secret']}"
            + (
                f"\nThe old secret stays valid until {d['previous_secret_valid_until']}."
                if d["previous_secret_valid_until"]
                else "\nThe old secret no longer verifies."
            )
        ),
    )
