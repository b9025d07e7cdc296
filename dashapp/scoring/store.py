"""Scorecards in the database: the default one, versions, assignment rules, import and export. Audited.

Every change to what a scorecard computes adds an immutable version; snapshots name the version they used.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from dashapp.scoring.assignment import ActiveScorecard
from dashapp.scoring.defaults import DEFAULT_DEFINITION, DEFAULT_NAME
from dashapp.scoring.definition import ScorecardDefinition, ScorecardError, parse_definition, parse_match
from models.audit import record
from models.scoring import Scorecard, ScorecardVersion
from models.user import User

_DEFAULT_LOCK = 48_530_001  # pg_advisory_xact_lock key guarding the creation of the default scorecard
EXPORT_FORMAT = "healthdash.scorecard/1"


def _audit(
    session: Session, actor: User | None, action: str, card: Scorecard, details: dict[str, Any]
) -> None:
    record(
        session,
        actor_id=actor.id if actor else None,
        actor=actor.email if actor else "system",
        action=action,
        object_type="scorecard",
        object_id=card.id,
        details={"name": card.name, **details},
    )


def ensure_default_scorecard(session: Session) -> Scorecard:
    """Create the shipped default scorecard (version 1) if there is no default yet; return the default.

    Safe to call from several processes at once (an advisory lock serialises the check and the insert).
    """
    existing = session.scalar(select(Scorecard).where(Scorecard.is_default))
    if existing is not None:
        return existing
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _DEFAULT_LOCK})
    existing = session.scalar(select(Scorecard).where(Scorecard.is_default))
    if existing is not None:
        return existing
    name = DEFAULT_NAME
    if session.scalar(select(Scorecard.id).where(Scorecard.name == name)) is not None:
        name = f"{DEFAULT_NAME} (shipped)"
    return create_scorecard(
        session,
        name=name,
        definition=DEFAULT_DEFINITION,
        description="The scorecard healthdash ships with: usage, engagement, support, billing and sentiment.",
        is_default=True,
        note="shipped default",
    )


def create_scorecard(
    session: Session,
    *,
    name: str,
    definition: dict[str, Any] | ScorecardDefinition,
    description: str = "",
    match: dict[str, Any] | None = None,
    priority: int = 100,
    is_default: bool = False,
    note: str = "",
    actor: User | None = None,
) -> Scorecard:
    parsed = parse_definition(definition)
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ScorecardError("name: must be 1 to 120 characters")
    if session.scalar(select(Scorecard.id).where(func.lower(Scorecard.name) == name.lower())) is not None:
        raise ScorecardError(f"name: a scorecard called {name!r} already exists")
    rules = parse_match(match)
    if is_default:
        session.execute(update(Scorecard).where(Scorecard.is_default).values(is_default=False))
    card = Scorecard(
        name=name, description=description, match=rules, priority=priority, is_default=is_default
    )
    session.add(card)
    session.flush()
    version = _add_version(session, card, parsed, note or "created", actor)
    _audit(session, actor, "scorecard.create", card, {"version": version.version, "match": rules})
    return card


def _add_version(
    session: Session, card: Scorecard, definition: ScorecardDefinition, note: str, actor: User | None
) -> ScorecardVersion:
    latest = session.scalar(
        select(func.max(ScorecardVersion.version)).where(ScorecardVersion.scorecard_id == card.id)
    )
    version = ScorecardVersion(
        scorecard_id=card.id,
        version=(latest or 0) + 1,
        definition=definition.to_json(),
        note=note,
        created_by_id=actor.id if actor else None,
    )
    session.add(version)
    session.flush()
    card.current_version_id = version.id
    return version


def save_version(
    session: Session,
    scorecard_id: int,
    definition: dict[str, Any] | ScorecardDefinition,
    *,
    note: str = "",
    actor: User | None = None,
) -> ScorecardVersion:
    """Validate and store a new version of a scorecard, making it current. An identical definition adds
    nothing and returns the current version."""
    card = get_scorecard(session, scorecard_id)
    parsed = parse_definition(definition)
    current = session.get(ScorecardVersion, card.current_version_id) if card.current_version_id else None
    if current is not None and current.definition == parsed.to_json():
        return current
    version = _add_version(session, card, parsed, note, actor)
    _audit(session, actor, "scorecard.version", card, {"version": version.version, "note": note})
    return version


def update_rules(
    session: Session,
    scorecard_id: int,
    *,
    match: dict[str, Any] | None = None,
    priority: int | None = None,
    is_default: bool | None = None,
    actor: User | None = None,
) -> Scorecard:
    card = get_scorecard(session, scorecard_id)
    before = {"match": card.match, "priority": card.priority, "is_default": card.is_default}
    if match is not None:
        card.match = parse_match(match)
    if priority is not None:
        card.priority = priority
    if is_default is True and not card.is_default:
        session.execute(update(Scorecard).where(Scorecard.is_default).values(is_default=False))
        session.flush()
        card.is_default = True
    elif is_default is False and card.is_default:
        raise ScorecardError("is_default: make another scorecard the default instead; one is always needed")
    after = {"match": card.match, "priority": card.priority, "is_default": card.is_default}
    _audit(session, actor, "scorecard.rules", card, {"before": before, "after": after})
    return card


def get_scorecard(session: Session, scorecard_id: int) -> Scorecard:
    card = session.get(Scorecard, scorecard_id)
    if card is None:
        raise ScorecardError(f"scorecard {scorecard_id} does not exist")
    return card


def find_scorecard(session: Session, name_or_id: str) -> Scorecard:
    """By id (digits) or by name (case-insensitive)."""
    if name_or_id.isdigit():
        return get_scorecard(session, int(name_or_id))
    card = session.scalar(select(Scorecard).where(func.lower(Scorecard.name) == name_or_id.strip().lower()))
    if card is None:
        raise ScorecardError(f"no scorecard named {name_or_id!r}")
    return card


def list_scorecards(session: Session) -> list[Scorecard]:
    ensure_default_scorecard(session)
    return list(
        session.scalars(
            select(Scorecard).order_by(Scorecard.is_default.desc(), Scorecard.priority, Scorecard.id)
        )
    )


def active_scorecards(session: Session) -> list[ActiveScorecard]:
    """Every scorecard in use with its current version, the default created first if missing."""
    ensure_default_scorecard(session)
    rows = session.execute(
        select(Scorecard, ScorecardVersion)
        .join(ScorecardVersion, ScorecardVersion.id == Scorecard.current_version_id)
        .where(~Scorecard.archived)
    ).all()
    return [
        ActiveScorecard(
            scorecard_id=card.id,
            name=card.name,
            priority=card.priority,
            is_default=card.is_default,
            match=dict(card.match or {}),
            version_id=version.id,
            version=version.version,
            definition=parse_definition(version.definition),
        )
        for card, version in rows
    ]


def definitions(session: Session, version_ids: list[int]) -> dict[int, ScorecardDefinition]:
    rows = session.execute(
        select(ScorecardVersion.id, ScorecardVersion.definition).where(ScorecardVersion.id.in_(version_ids))
    ).all()
    return {vid: parse_definition(data) for vid, data in rows}


def export_scorecard(session: Session, scorecard_id: int) -> dict[str, Any]:
    card = get_scorecard(session, scorecard_id)
    version = session.get(ScorecardVersion, card.current_version_id) if card.current_version_id else None
    return {
        "format": EXPORT_FORMAT,
        "name": card.name,
        "description": card.description,
        "default": card.is_default,
        "priority": card.priority,
        "match": card.match,
        "version": version.version if version else None,
        "definition": version.definition if version else None,
    }


def import_scorecard(session: Session, data: Any, *, actor: User | None = None) -> tuple[Scorecard, str]:
    """Create a scorecard from an exported file, or add a version to the one with the same name.

    Returns the scorecard and what happened: "created", "updated" or "unchanged".
    """
    if not isinstance(data, dict):
        raise ScorecardError("a scorecard file must be a JSON object (see `healthdash scorecards export`)")
    if data.get("format", EXPORT_FORMAT) != EXPORT_FORMAT:
        raise ScorecardError(f"format: expected {EXPORT_FORMAT!r}, got {data.get('format')!r}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ScorecardError("name: required")
    definition = parse_definition(data.get("definition"))
    rules = parse_match(data.get("match"))
    priority = data.get("priority", 100)
    if not isinstance(priority, int):
        raise ScorecardError("priority: must be a whole number")
    is_default = bool(data.get("default", False))
    existing = session.scalar(select(Scorecard).where(func.lower(Scorecard.name) == name.strip().lower()))
    if existing is None:
        card = create_scorecard(
            session,
            name=name,
            definition=definition,
            description=str(data.get("description") or ""),
            match=rules,
            priority=priority,
            is_default=is_default,
            note="imported",
            actor=actor,
        )
        return card, "created"
    before = existing.current_version_id
    save_version(session, existing.id, definition, note="imported", actor=actor)
    changed = existing.current_version_id != before
    if rules != existing.match or priority != existing.priority or (is_default and not existing.is_default):
        update_rules(
            session, existing.id, match=rules, priority=priority, is_default=is_default or None, actor=actor
        )
        changed = True
    return existing, "updated" if changed else "unchanged"
