"""Every structure change of an organization: one transaction each, the row
locked, the permission and the state checked first, and a decision of kind
``structure`` (or ``appointment``/``selection`` for link roles) recorded in
the same transaction. Nothing is ever deleted.
"""

import secrets
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import hash_token
from accounts.records import person
from circles import definitions, rules, selectors
from circles.models import (
    Circle,
    DataLicence,
    Invitation,
    Membership,
    Organization,
    OrganizationMember,
    Role,
    RoleAssignment,
)
from circles.records import role_snapshot
from core import events, jobs, notify, proposing, recipients
from core.errors import Conflict, Invalid, NotAllowed, NotFound
from core.links import absolute
from decisions.models import Decision
from decisions.services import record_decision

User = get_user_model()

INVITATION_DAYS = 14

# The process roles every circle has; a root circle has no delegate (it has
# no parent to link to).
PROCESS_ROLES = [
    (Role.Kind.LEADER, "Leader", "Responsable"),
    (Role.Kind.DELEGATE, "Delegate", "Délégué·e"),
    (Role.Kind.FACILITATOR, "Facilitator", "Facilitateur·rice"),
    (Role.Kind.SECRETARY, "Secretary", "Secrétaire"),
]


# Helpers ---------------------------------------------------------------------


def _structure(org, /, *, by, title, circle=None, **record):
    record = {"action": record.pop("action"), "by": person(by), **record}
    return record_decision(
        organization=org, kind=Decision.Kind.STRUCTURE, title=title, circle=circle, record=record
    )


def _clean_slug(slug: str, name: str) -> str:
    slug = slugify(slug or name)[:60]
    if not slug:
        raise Invalid(_("Choose a short name made of letters and digits."), field="slug")
    return slug


def _lock_circle(circle) -> Circle:
    return Circle.objects.select_for_update().select_related("organization").get(pk=circle.pk)


def _open_membership(circle, user) -> Membership | None:
    """Open a membership unless one is open; returns the new one or None."""
    if Membership.objects.filter(circle=circle, user=user, left__isnull=True).exists():
        return None
    return Membership.objects.create(circle=circle, user=user)


def _open_org_membership(organization, user, *, is_admin=False) -> OrganizationMember:
    member = OrganizationMember.objects.filter(
        organization=organization, user=user, left__isnull=True
    ).first()
    return member or OrganizationMember.objects.create(
        organization=organization, user=user, is_admin=is_admin
    )


def _create_process_roles(circle) -> None:
    for kind, name_en, name_fr in PROCESS_ROLES:
        if kind == Role.Kind.DELEGATE and circle.parent_id is None:
            continue
        name = name_fr if circle.organization.language == "fr" else name_en
        Role.objects.create(circle=circle, kind=kind, name=name)


# Organizations ---------------------------------------------------------------


@transaction.atomic
def create_organization(
    *,
    name: str,
    slug: str = "",
    by,
    language: str = "fr",
    public_log: bool = False,
    template: str = "first_circle",
    structure: dict | None = None,
) -> Organization:
    """Create an organization with its root circle; ``by`` becomes its admin.

    ``template`` names what it starts from (``circles.blueprints``): a built-in
    template, or ``"import"`` with ``structure``, another organization's
    exported structure. All of it is created in this transaction, or nothing.
    """
    from circles import blueprints

    if template == "import":
        if structure is None:
            raise Invalid(_("Choose the structure file to start from."), field="structure")
        blueprints.validate(structure)
    elif template not in blueprints.TEMPLATES:
        raise Invalid(_("Unknown template."), field="template")
    rules.check("create_organization", None, by)
    name = rules.clean_name(name)
    slug = _clean_slug(slug, name)
    if language not in dict(settings.LANGUAGES):
        raise Invalid(_("Unknown language."), field="language")
    if Organization.objects.filter(slug=slug).exists():
        raise Invalid(_("This short name is taken; choose another."), field="slug")
    try:
        with transaction.atomic():
            organization = Organization.objects.create(
                name=name, slug=slug, language=language, public_log=public_log
            )
    except IntegrityError:
        raise Invalid(_("This short name is taken; choose another."), field="slug") from None
    _open_org_membership(organization, by, is_admin=True)
    root = Circle.objects.create(organization=organization, name=name, slug=slug)
    _create_process_roles(root)
    Membership.objects.create(circle=root, user=by)
    _structure(
        organization,
        by=by,
        circle=root,
        title=_("Organization “%(name)s” created") % {"name": name},
        action="organization_created",
        created={"name": name, "slug": slug, "language": language},
        admin=person(by),
        template=template,
    )
    document = (
        structure if template == "import" else blueprints.template_document(template, language)
    )
    _apply_structure(root, document, by=by)
    return organization


def _apply_structure(root, document: dict, *, by) -> None:
    """Create the document's circles and roles under ``root`` (through the
    services, so each is a decision). Raises, and so rolls back the caller's
    transaction, at the first refusal."""
    from circles import blueprints

    document = blueprints.validate(document)
    created = {}
    pending = list(document["circles"])
    while pending:
        for entry in list(pending):
            parent = entry.get("parent")
            if parent is None:
                _root_text(root, entry, by)
                created[entry.get("slug") or ""] = root
            elif parent in created:
                created[entry["slug"]] = create_circle(
                    parent=created[parent],
                    name=entry.get("name") or entry["slug"],
                    slug=entry["slug"],
                    aim=blueprints.text_of(entry.get("aim"), "aim"),
                    domains=blueprints.domains_of(entry),
                    by=by,
                )
            else:
                continue
            pending.remove(entry)
    created.setdefault("", root)
    for entry in document.get("roles", []):
        circle = created[entry["circle"]]
        qualifications = entry.get("qualifications") or []
        term = entry.get("default_term_months") or 12
        if entry["kind"] in blueprints.PROCESS_KINDS:
            role = Role.objects.filter(circle=circle, kind=entry["kind"]).first()
            if role is not None:
                update_role(
                    role=role,
                    by=by,
                    **blueprints.role_texts(entry),
                    default_term_months=term,
                    qualifications=qualifications,
                )
            continue
        create_role(
            circle=circle,
            name=entry.get("name") or _("Role"),
            **blueprints.role_texts(entry),
            default_term_months=term,
            qualifications=qualifications,
            shared=bool(entry.get("shared")),
            by=by,
        )


def _root_text(root, entry: dict, by) -> None:
    from circles import blueprints

    aim = blueprints.text_of(entry.get("aim"), "aim")
    domains = blueprints.domains_of(entry)
    if aim or domains:
        update_circle(circle=root, by=by, name=root.name, aim=aim, domains=domains)


@transaction.atomic
def update_organization(
    *, organization, by, name: str, language: str, public_log: bool, data_licence: str = ""
) -> Organization:
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    rules.check("update_organization", organization, by)
    name = rules.clean_name(name)
    if language not in dict(settings.LANGUAGES):
        raise Invalid(_("Unknown language."), field="language")
    data_licence = data_licence or organization.data_licence
    if data_licence not in DataLicence.values:
        raise Invalid(_("Unknown licence."), field="data_licence")
    before = {
        "name": organization.name,
        "language": organization.language,
        "public_log": organization.public_log,
        "data_licence": organization.data_licence,
    }
    after = {
        "name": name,
        "language": language,
        "public_log": bool(public_log),
        "data_licence": data_licence,
    }
    if before == after:
        return organization
    for field, value in after.items():
        setattr(organization, field, value)
    organization.save(update_fields=list(after))
    _structure(
        organization,
        by=by,
        circle=selectors.root_circle(organization),
        title=_("Organization settings changed"),
        action="organization_updated",
        before=before,
        after=after,
    )
    return organization


@transaction.atomic
def set_org_admin(*, organization, user, is_admin: bool, by) -> OrganizationMember:
    rules.check("set_org_admin", organization, by)
    member = (
        OrganizationMember.objects.select_for_update()
        .filter(organization=organization, user=user, left__isnull=True)
        .first()
    )
    if member is None:
        raise NotFound(_("This person is not a member of the organization."))
    if member.is_admin == is_admin:
        return member
    if not is_admin and (
        OrganizationMember.objects.filter(
            organization=organization, is_admin=True, left__isnull=True
        ).count()
        <= 1
    ):
        raise Conflict(_("An organization keeps at least one administrator."))
    member.is_admin = is_admin
    member.save(update_fields=["is_admin"])
    _structure(
        organization,
        by=by,
        title=(
            _("%(name)s is now an administrator")
            if is_admin
            else _("%(name)s is no longer an administrator")
        )
        % {"name": user.name},
        action="admin_granted" if is_admin else "admin_revoked",
        person=person(user),
    )
    return member


# Invitations -------------------------------------------------------------------


@transaction.atomic
def invite(
    *, circle, email: str, by, days: int = INVITATION_DAYS, language: str = ""
) -> tuple[Invitation, str]:
    """Invite an address into ``circle``; returns the invitation and the raw link token.

    The email is sent once the transaction commits, in ``language`` when given
    (a members list names it), else the invitee's, else the inviter's.
    """
    circle = _lock_circle(circle)
    organization = circle.organization
    rules.check("invite", circle, by)
    email = (email or "").strip().lower()
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    try:
        validate_email(email)
    except ValidationError:
        raise Invalid(_("Enter a valid email address."), field="email") from None
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None and selectors.is_circle_member(existing, circle):
        raise Invalid(_("This person is already a member of the circle."), field="email")
    # In the invitee's language when they have an account; else the inviter's.
    if language not in dict(settings.LANGUAGES):
        language = existing.language if existing else translation.get_language()
    if language not in dict(settings.LANGUAGES):
        language = organization.language
    raw = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        circle=circle,
        email=email,
        token_hash=hash_token(raw),
        invited_by=by,
        expires=timezone.now() + timedelta(days=days),
        language=language,  # the account made from it speaks it (accept_invitation)
    )
    link = absolute(reverse("circles:invitation", kwargs={"token": raw}))
    # The expiry in the invitee's zone when they have an account; else the inviter's.
    zone = recipients.zone_of(existing) if existing else timezone.get_current_timezone_name()
    with translation.override(language), timezone.override(zone):
        subject = _("Invitation to join %(circle)s on Cercle") % {"circle": circle.name}
        body = _(
            "%(who)s invites you to join the circle “%(circle)s” of %(org)s on Cercle.\n\n"
            "Accept the invitation (the link works once, until %(expires)s):\n%(link)s\n"
        ) % {
            "who": by.name,
            "circle": circle.name,
            "org": organization.name,
            "expires": timezone.localtime(invitation.expires).strftime("%Y-%m-%d %H:%M"),
            "link": link,
        }
    # Sent by a job, once (its key), after the invitation commits.
    jobs.enqueue(
        jobs.send_email,
        key=f"invitation:{invitation.pk}",
        to=[email],
        subject=str(subject),
        body=str(body),
    )
    if existing is not None:
        notify.told(
            "invitation",
            subject=invitation,
            recipient_ids=[existing.pk],
            key=f"invitation:{invitation.pk}",
            circle=circle.name,
            org=organization.name,
            by=by.name,
        )
    return invitation, raw


def invitation_for_token(raw: str) -> Invitation | None:
    if not raw or len(raw) > 200:
        return None
    return (
        Invitation.objects.select_related("circle", "organization", "invited_by")
        .filter(token_hash=hash_token(raw))
        .first()
    )


def _check_invitation_usable(invitation: Invitation | None) -> Invitation:
    if invitation is None:
        raise NotFound(_("This invitation link is not valid."))
    if invitation.revoked is not None:
        raise Conflict(_("This invitation was revoked."))
    if invitation.accepted is not None:
        raise Conflict(_("This invitation was already used."))
    if invitation.expires <= timezone.now():
        raise Conflict(_("This invitation has expired; ask for a new one."))
    return invitation


def invitation_problem(invitation: Invitation | None) -> str | None:
    """Why an invitation link cannot be used (a message), or None if it can."""
    try:
        _check_invitation_usable(invitation)
    except (NotFound, Conflict) as exc:
        return exc.message
    return None


@transaction.atomic
def accept_invitation(*, token: str, user=None, password: str = "", display_name: str = ""):
    """Use an invitation once: an existing user accepts it, or a new person
    sets a password. Opens the organization and circle memberships."""
    found = invitation_for_token(token)
    if found is None:
        raise NotFound(_("This invitation link is not valid."))
    invitation = _check_invitation_usable(
        Invitation.objects.select_for_update()
        .select_related("circle", "organization")
        .get(pk=found.pk)
    )
    if user is None or not user.is_authenticated:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise Conflict(_("An account exists for this address: log in to accept."))
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        try:
            validate_password(password)
        except ValidationError as exc:
            raise Invalid(" ".join(exc.messages), field="password") from None
        user = User.objects.create_user(
            email=invitation.email,
            password=password,
            display_name=(display_name or "").strip()[:120],
            # The language the person read their invitation in.
            language=invitation.language or invitation.organization.language,
        )
    elif user.email.lower() != invitation.email.lower():
        raise NotAllowed(
            _("This invitation was sent to another address. Log in with that address.")
        )
    circle = invitation.circle
    if circle.dissolved is not None:
        raise Conflict(_("This circle is dissolved; it is kept read-only."))
    invitation.accepted = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted", "accepted_by"])
    _open_org_membership(invitation.organization, user)
    _open_membership(circle, user)
    _structure(
        invitation.organization,
        by=user,
        circle=circle,
        title=_("%(name)s joined %(circle)s") % {"name": user.name, "circle": circle.name},
        action="member_joined",
        person=person(user),
        invited_by=person(invitation.invited_by),
    )
    return user


@transaction.atomic
def import_members(*, organization, text: str, by, apply: bool = True) -> dict:
    """Apply a members list (``circles.imports``): every line, or none.

    The list is planned again here, with the organization locked, so what is
    applied is what the rules say now; a single line in error refuses the
    whole list (``Invalid``) and nothing is written. Invitations are sent by
    jobs after the commit; each person added is a decision, as one by one.
    With ``apply`` false, only the plan: ``{"applied", "counts", "lines"}``.
    """
    from circles import imports

    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    rules.check("import_members", organization, by)
    rows = imports.parse(text)
    if not rows:
        raise Invalid(_("The list is empty."), field="text")
    lines = imports.plan(organization, rows, by=by)
    result = {"applied": apply, "counts": imports.summary(lines), "lines": lines}
    if not apply:
        return result
    errors = [line for line in lines if line.outcome == "error"]
    if errors:
        raise Invalid(
            ngettext(
                "%(n)s line has an error; nothing was imported.",
                "%(n)s lines have an error; nothing was imported.",
                len(errors),
            )
            % {"n": len(errors)},
            field="text",
        )
    for line in lines:
        for circle in line.circles:
            if line.outcome == "add":
                add_member(circle=circle, user=line.user, by=by)
            elif line.outcome == "invite":
                invite(circle=circle, email=line.row.email, by=by, language=line.row.language)
    return result


@transaction.atomic
def revoke_invitation(*, invitation, by) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update().select_related("circle").get(pk=invitation.pk)
    )
    rules.check("revoke_invitation", invitation, by)
    if invitation.revoked is None:
        invitation.revoked = timezone.now()
        invitation.save(update_fields=["revoked"])
    return invitation


# Circles -----------------------------------------------------------------------


@transaction.atomic
def create_circle(*, parent, name: str, by, slug: str = "", aim: str = "", domains=()) -> Circle:
    """A sub-circle of ``parent``, in its set-up (its leader defines it)."""
    parent = _lock_circle(parent)
    organization = parent.organization
    rules.check("create_circle", parent, by)
    name = rules.clean_name(name)
    slug = _clean_slug(slug, name)
    if Circle.objects.filter(organization=organization, slug=slug).exists():
        raise Invalid(_("Another circle already uses this short name."), field="slug")
    circle = Circle.objects.create(
        organization=organization,
        parent=parent,
        name=name,
        slug=slug,
        aim=rules.clean_text(aim, "aim"),
        domains=rules.clean_list(domains, "domains"),
        review_months=parent.review_months,
    )
    _create_process_roles(circle)
    _structure(
        organization,
        by=by,
        circle=parent,
        title=_("Circle “%(name)s” created under %(parent)s")
        % {"name": name, "parent": parent.name},
        action="circle_created",
        created={
            "id": circle.pk,
            "name": name,
            "slug": slug,
            "aim": circle.aim,
            "domains": circle.domains,
        },
        parent={"id": parent.pk, "name": parent.name},
    )
    return circle


@transaction.atomic
def update_circle(
    *, circle, by, name: str, aim: str, domains, review_months: int | None = None
) -> Circle:
    """Rename the circle or change its review term; its aim and domains too
    while it is in its set-up (``define_circle``; afterwards they are
    proposed: ``propose_change``)."""
    circle = _lock_circle(circle)
    aim, domains = rules.clean_text(aim, "aim"), rules.clean_list(domains, "domains")
    # A change of the aim or domains is "define_circle" (refused once the
    # set-up is finished); the name and review term alone, "update_circle".
    defines = (aim, domains) != (circle.aim, list(circle.domains))
    rules.check("define_circle" if defines else "update_circle", circle, by)
    name = rules.clean_name(name)
    if review_months is None:
        review_months = circle.review_months
    if not 1 <= int(review_months) <= 120:
        raise Invalid(_("A review term is between 1 and 120 months."), field="review_months")
    before = {
        "name": circle.name,
        "aim": circle.aim,
        "domains": list(circle.domains),
        "review_months": circle.review_months,
    }
    after = {"name": name, "aim": aim, "domains": domains, "review_months": int(review_months)}
    if before == after:
        return circle
    circle.name, circle.aim, circle.domains, circle.review_months = (
        name,
        aim,
        domains,
        int(review_months),
    )
    circle.save(update_fields=["name", "aim", "domains", "review_months"])
    title = (
        _("Circle “%(old)s” renamed “%(new)s”") % {"old": before["name"], "new": name}
        if before["name"] != name
        else _("Aim and domains of %(name)s changed") % {"name": name}
    )
    _structure(
        circle.organization,
        by=by,
        circle=circle,
        title=title,
        action="circle_updated",
        before=before,
        after=after,
    )
    return circle


@transaction.atomic
def move_circle(*, circle, new_parent, by) -> Circle:
    circle = _lock_circle(circle)
    new_parent = _lock_circle(new_parent)
    organization = circle.organization
    rules.check("move_circle", circle, by)
    if rules.read_only(new_parent):
        raise Conflict(rules.read_only(new_parent))
    if new_parent.organization_id != organization.pk:
        raise Invalid(_("A circle can only move within its organization."), field="parent")
    if new_parent.pk == circle.pk or new_parent.pk in selectors.descendant_ids(circle):
        raise Invalid(
            _("A circle cannot move under itself or under one of its sub-circles."), field="parent"
        )
    if new_parent.pk == circle.parent_id:
        return circle
    old_parent = circle.parent
    circle.parent = new_parent
    circle.save(update_fields=["parent"])
    _structure(
        organization,
        by=by,
        circle=circle,
        title=_("%(name)s moved under %(parent)s")
        % {"name": circle.name, "parent": new_parent.name},
        action="circle_moved",
        old_parent={"id": old_parent.pk, "name": old_parent.name},
        new_parent={"id": new_parent.pk, "name": new_parent.name},
    )
    return circle


@transaction.atomic
def dissolve_circle(*, circle, by, reason: str) -> Circle:
    circle = _lock_circle(circle)
    organization = circle.organization
    rules.check("dissolve_circle", circle, by)
    reason = rules.clean_text(reason, "reason")
    if not reason:
        raise Invalid(_("Give the reason for dissolving the circle."), field="reason")
    now = timezone.now()
    circle.dissolved = now
    circle.save(update_fields=["dissolved"])
    ended = list(
        RoleAssignment.objects.select_for_update().filter(role__circle=circle, ended__isnull=True)
    )
    for assignment in ended:
        assignment.ended = now
        assignment.end_reason = "circle dissolved"
        assignment.save(update_fields=["ended", "end_reason"])
    _structure(
        organization,
        by=by,
        circle=circle.parent,
        title=_("Circle “%(name)s” dissolved") % {"name": circle.name},
        action="circle_dissolved",
        dissolved={"id": circle.pk, "name": circle.name},
        reason=reason,
        ended_assignments=[a.pk for a in ended],
    )
    return circle


# Memberships -----------------------------------------------------------------


@transaction.atomic
def duplicate_circle(*, circle, by, name: str, slug: str = "") -> Circle:
    """A sibling of ``circle`` with its aim, domains, review term and roles
    (their definitions), without its members or role holders; it starts in
    its set-up. Each part is its own decision, as when built by hand."""
    circle = _lock_circle(circle)
    rules.check("duplicate_circle", circle, by)
    copy = create_circle(
        parent=circle.parent, name=name, slug=slug, aim=circle.aim, domains=circle.domains, by=by
    )
    if copy.review_months != circle.review_months:
        Circle.objects.filter(pk=copy.pk).update(review_months=circle.review_months)
        copy.review_months = circle.review_months
    made = {r.kind: r for r in Role.objects.filter(circle=copy).exclude(kind=Role.Kind.CUSTOM)}
    for role in Role.objects.filter(circle=circle).order_by("pk"):
        definition = definitions.role_definition(role)
        if role.kind == Role.Kind.CUSTOM:
            create_role(circle=copy, **definition, shared=role.shared, by=by)
        elif role.kind in made:
            del definition["name"]  # a process role keeps its name
            update_role(role=made[role.kind], by=by, **definition)
    return copy


@transaction.atomic
def add_member(*, circle, user, by) -> Membership:
    circle = _lock_circle(circle)
    rules.check("add_member", circle, by)
    if not selectors.is_org_member(user, circle.organization):
        raise Invalid(
            _("%(name)s is not a member of the organization; invite them first.")
            % {"name": user.name},
            field="user",
        )
    membership = _open_membership(circle, user)
    if membership is None:
        raise Invalid(
            _("%(name)s is already a member of this circle.") % {"name": user.name}, field="user"
        )
    _structure(
        circle.organization,
        by=by,
        circle=circle,
        title=_("%(name)s joined %(circle)s") % {"name": user.name, "circle": circle.name},
        action="member_added",
        person=person(user),
    )
    return membership


@transaction.atomic
def remove_member(*, circle, user, by, reason: str = "") -> Membership:
    circle = _lock_circle(circle)
    rules.check(rules.remove_action(user, by), circle, by)
    membership = (
        Membership.objects.select_for_update()
        .filter(circle=circle, user=user, left__isnull=True)
        .first()
    )
    if membership is None:
        raise NotFound(_("%(name)s is not a member of this circle.") % {"name": user.name})
    membership.left = timezone.now()
    membership.save(update_fields=["left"])
    # After commit, listeners (the live rooms) hear that this membership ended.
    events.changed(membership, part="left")
    _structure(
        circle.organization,
        by=by,
        circle=circle,
        title=_("%(name)s left %(circle)s") % {"name": user.name, "circle": circle.name},
        action="member_removed",
        person=person(user),
        reason=rules.clean_text(reason, "reason"),
    )
    return membership


# Roles -------------------------------------------------------------------------


@transaction.atomic
def create_role(
    *,
    circle,
    name: str,
    by,
    purpose: str = "",
    domains=(),
    accountabilities=(),
    default_term_months: int = 12,
    qualifications=(),
    shared: bool = False,
) -> Role:
    circle = _lock_circle(circle)
    rules.check("create_role", circle, by)
    role = Role.objects.create(
        circle=circle,
        kind=Role.Kind.CUSTOM,
        **rules.validate_role_definition(
            name=name,
            purpose=purpose,
            domains=domains,
            accountabilities=accountabilities,
            default_term_months=default_term_months,
            qualifications=qualifications,
        ),
        shared=bool(shared),
    )
    _structure(
        circle.organization,
        by=by,
        circle=circle,
        title=_("Role “%(role)s” created in %(circle)s")
        % {"role": role.name, "circle": circle.name},
        action="role_created",
        role=role_snapshot(role),
    )
    return role


@transaction.atomic
def update_role(
    *,
    role,
    by,
    name: str | None = None,
    purpose: str | None = None,
    domains=None,
    accountabilities=None,
    default_term_months: int | None = None,
    qualifications=None,
    record_extra: dict | None = None,
    consented: bool = False,
) -> Role:
    """Change a role's definition (a None keeps a field), while its circle is
    in its set-up (``update_role``; afterwards it is proposed:
    ``propose_change``).

    Elections call this after the circle consented to the change (their
    record goes into ``record_extra``) with ``consented=True``: the election
    has checked that ``by`` leads it (the meeting's facilitator may, too).
    """
    role = (
        Role.objects.select_for_update()
        .select_related("circle", "circle__organization")
        .get(pk=role.pk)
    )
    circle = role.circle
    if consented:
        # The election checked who leads it; the circle must still be open.
        if rules.read_only(role):
            raise Conflict(rules.read_only(role))
    else:
        rules.check("update_role", role, by)
    before = role_snapshot(role)
    cleaned = rules.validate_role_definition(
        name=name,
        purpose=purpose,
        domains=domains,
        accountabilities=accountabilities,
        default_term_months=default_term_months,
        qualifications=qualifications,
    )
    for field, value in cleaned.items():
        setattr(role, field, value)
    after = role_snapshot(role)
    if before == after:
        return role
    role.save(update_fields=list(definitions.ROLE_FIELDS))
    _structure(
        circle.organization,
        by=by,
        circle=circle,
        title=_("Role “%(role)s” of %(circle)s changed")
        % {"role": role.name, "circle": circle.name},
        action="role_updated",
        before=before,
        after=after,
        **(record_extra or {}),
    )
    return role


# Definitions: the set-up, a change proposed and applied ---------------------------


@transaction.atomic
def set_setup(*, circle, by, done: bool, reason: str = "") -> Circle:
    """Finish the circle's set-up (its leader or an admin: from then on its
    aim, domains and roles change by consent) or go back to it (the parent
    circle's leader or an admin). Each is a ``structure`` decision."""
    circle = _lock_circle(circle)
    done = bool(done)
    rules.check(rules.setup_action(done), circle, by)
    reason = rules.clean_text(reason, "reason")
    if circle.setup_done == done:
        return circle
    circle.setup_done = done
    circle.save(update_fields=["setup_done"])
    _structure(
        circle.organization,
        by=by,
        circle=circle,
        title=(_("%(name)s finished its set-up") if done else _("%(name)s is back in its set-up"))
        % {"name": circle.name},
        action="setup_finished" if done else "setup_reopened",
        reason=reason,
    )
    return circle


def _circle_ref(circle) -> dict:
    return {"id": circle.pk, "name": circle.name}


@transaction.atomic
def propose_change(
    *,
    circle,
    by,
    target: str,
    role_id: int | None = None,
    title: str = "",
    reason: str = "",
    key=None,
    aim=None,
    domains=None,
    name=None,
    purpose=None,
    accountabilities=None,
    qualifications=None,
    default_term_months=None,
):
    """Put a change of ``circle``'s definitions to consent, once its set-up is
    finished: a draft proposal of the deciding circle (``rules.
    deciding_circle``: the parent for the circle's own aim and domains)
    carrying ``{"target", "circle", "role", "before", "after"}``; a field
    left out (None) keeps its current value. Adopting it applies ``after``
    (``apply_change``)."""
    circle = _lock_circle(circle)
    if target not in ("circle", "role", "new_role"):
        raise Invalid(_("Unknown kind of change."), field="target")
    rules.check(rules.propose_action(target), circle, by)
    fields = {
        "aim": aim,
        "domains": domains,
        "name": name,
        "purpose": purpose,
        "accountabilities": accountabilities,
        "qualifications": qualifications,
        "default_term_months": default_term_months,
    }
    given = {k: v for k, v in fields.items() if v is not None}
    role = None
    if target == "circle":
        unknown = set(given) - set(definitions.CIRCLE_FIELDS)
        before = definitions.circle_definition(circle)
        cleaned = {}
        if "aim" in given:
            cleaned["aim"] = rules.clean_text(given["aim"], "aim")
        if "domains" in given:
            cleaned["domains"] = rules.clean_list(given["domains"], "domains")
    else:
        unknown = set(given) - set(definitions.ROLE_FIELDS)
        if target == "role":
            role = Role.objects.filter(circle=circle, pk=role_id).first()
            if role is None:
                raise Invalid(_("Choose a role of this circle."), field="role_id")
            before = definitions.role_definition(role)
        else:
            before = None
        cleaned = rules.validate_role_definition(**{k: given[k] for k in given if k not in unknown})
        if role is not None and role.kind != Role.Kind.CUSTOM:
            cleaned.pop("name", None)  # a process role keeps its name
        if target == "new_role" and not cleaned.get("name"):
            raise Invalid(_("A name is required."), field="name")
    if unknown:
        raise Invalid(
            _("This change has no field “%(field)s”.") % {"field": sorted(unknown)[0]},
            field=sorted(unknown)[0],
        )
    after = {**(before or definitions.empty_role_definition()), **cleaned}
    if before is not None and after == before:
        raise Invalid(_("This change changes nothing: edit the definition first."))
    change = {
        "target": target,
        "circle": _circle_ref(circle),
        "role": {"id": role.pk, "name": role.name} if role is not None else None,
        "before": before,
        "after": after,
    }
    reason = rules.clean_text(reason, "reason")
    title = (title or "").strip()
    if not title:
        if target == "circle":
            title = _("Aim and domains of %(circle)s") % {"circle": circle.name}
        elif target == "role":
            title = _("Role “%(role)s” of %(circle)s") % {"role": role.name, "circle": circle.name}
        else:
            title = _("A new role “%(role)s” in %(circle)s") % {
                "role": after["name"],
                "circle": circle.name,
            }
    return proposing.open_proposal(
        circle=rules.deciding_circle(circle, target),
        by=by,
        title=title[:200],
        body=definitions.proposal_text(change, reason),
        change=change,
        key=key,
    )


def revise_change(*, change: dict, text: str) -> dict:
    """The change an amended proposal text carries: ``change`` with the
    ``after`` its text proposes (``definitions.read_proposed``), checked as
    ``propose_change`` checks it; ``Invalid`` (field ``body``) when the text no
    longer says the definition, so what the circle consents to is what its
    adoption applies."""
    fields = list(change["after"])
    read = definitions.read_proposed(text, fields)
    if read is None:
        names = definitions.labels()
        raise Invalid(
            _(
                "Keep the section “%(heading)s” with each of its fields (%(fields)s): "
                "adopting the proposal applies it."
            )
            % {
                "heading": _("The definition proposed"),
                "fields": ", ".join(str(names[f]) for f in fields),
            },
            field="body",
        )
    try:
        cleaned = _cleaned_definition(change, read)
    except Invalid as refused:
        raise Invalid(refused.message, field="body") from None
    return {**change, "after": {**change["after"], **cleaned}}


def _cleaned_definition(change: dict, read: dict) -> dict:
    if change["target"] == "circle":
        cleaned = {
            "aim": rules.clean_text(read["aim"], "aim"),
            "domains": rules.clean_list(read["domains"], "domains"),
        }
    else:
        cleaned = rules.validate_role_definition(**read)
        role = change.get("role")
        if role is not None and change["target"] == "role":
            current = Role.objects.filter(pk=role["id"]).first()
            if current is not None and current.kind != Role.Kind.CUSTOM:
                cleaned["name"] = change["after"]["name"]  # a process role keeps its name
        if change["target"] == "new_role" and not cleaned.get("name"):
            raise Invalid(_("A name is required."), field="name")
    return cleaned


@transaction.atomic
def apply_change(*, change: dict, by) -> dict:
    """Apply a change the deciding circle consented to (``proposals`` calls it
    in the transaction that adopts the proposal) and return what the
    decision records: ``{"target", "circle", "role", "changes": {field:
    {"before", "after"}}}``, the before being the definition as it was now."""
    circle = Circle.objects.select_for_update().filter(pk=change["circle"]["id"]).first()
    if circle is None or rules.read_only(circle):
        raise Conflict(
            rules.read_only(circle) if circle else _("The circle of this change does not exist.")
        )
    after = dict(change["after"])
    target = change["target"]
    if target == "circle":
        before = definitions.circle_definition(circle)
        circle.aim = rules.clean_text(after["aim"], "aim")
        circle.domains = rules.clean_list(after["domains"], "domains")
        circle.save(update_fields=["aim", "domains"])
        role = None
    elif target == "role":
        role = Role.objects.select_for_update().get(pk=change["role"]["id"], circle=circle)
        before = definitions.role_definition(role)
        if role.kind != Role.Kind.CUSTOM:
            after["name"] = role.name
        for field, value in rules.validate_role_definition(**after).items():
            setattr(role, field, value)
        role.save(update_fields=list(definitions.ROLE_FIELDS))
    else:
        before = {field: None for field in after}
        role = Role.objects.create(
            circle=circle, kind=Role.Kind.CUSTOM, **rules.validate_role_definition(**after)
        )
    now = (
        definitions.circle_definition(circle) if role is None else definitions.role_definition(role)
    )
    return {
        "target": target,
        "circle": _circle_ref(circle),
        "role": {"id": role.pk, "name": role.name} if role is not None else None,
        "changes": definitions.diff(before, now),
    }


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    import calendar

    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_term_end(role, start: date | None = None) -> date:
    return _add_months(start or timezone.localdate(), role.default_term_months)


def place_in_role(*, role, user, term_start: date, term_end: date, decision, by) -> RoleAssignment:
    """Seat ``user`` in ``role`` under ``decision`` (already recorded by the caller).

    The caller holds the transaction and has checked permission. Ends the
    previous holder of a role that is not shared, and opens the memberships a
    link role needs (both circles), each recorded.
    """
    if term_end <= term_start:
        raise Invalid(_("The term must end after it starts."), field="term_end")
    circle = role.circle
    organization = circle.organization
    if not selectors.is_org_member(user, organization):
        raise Invalid(
            _("%(name)s is not a member of the organization.") % {"name": user.name}, field="user"
        )
    rules.check_double_link(role.circle, role.kind, user)
    locked = Role.objects.select_for_update().get(pk=role.pk)
    if not locked.shared:
        for previous in RoleAssignment.objects.select_for_update().filter(
            role=role, ended__isnull=True
        ):
            previous.ended = timezone.now()
            previous.end_reason = "replaced"
            previous.save(update_fields=["ended", "end_reason"])
    elif RoleAssignment.objects.filter(role=role, user=user, ended__isnull=True).exists():
        raise Invalid(_("%(name)s already holds this role.") % {"name": user.name}, field="user")
    assignment = RoleAssignment.objects.create(
        role=role, user=user, term_start=term_start, term_end=term_end, decision=decision
    )
    for needed in rules.link_circles(role):
        if _open_membership(needed, user) is not None:
            _structure(
                organization,
                by=by,
                circle=needed,
                title=_("%(name)s joined %(circle)s as %(role)s")
                % {"name": user.name, "circle": needed.name, "role": role.name},
                action="member_added",
                person=person(user),
                because={"role": role.pk, "decision": decision.sequence},
            )
    return assignment


def _check_term(term_start, term_end) -> None:
    if term_end is not None and term_start is not None and term_end <= term_start:
        raise Invalid(_("The term must end after it starts."), field="term_end")


@transaction.atomic
def assign_role(
    *,
    role,
    user,
    by,
    term_start: date | None = None,
    term_end: date | None = None,
    reason: str = "",
) -> RoleAssignment:
    """Directly assign a role, recorded as a decision.

    - leader of a child circle: appointed by the parent circle (its leader or
      an admin), recorded in the parent circle as an ``appointment``;
    - delegate: assigned by the circle itself (its leader or facilitator, or an
      admin) until a selection does it; the parent then records acceptance;
    - other roles: the circle's leader or an admin.
    """
    role = Role.objects.select_related("circle", "circle__organization", "circle__parent").get(
        pk=role.pk
    )
    circle = _lock_circle(role.circle)
    role.circle = circle
    organization = circle.organization
    action = rules.assign_action(role)
    rules.check(action, role, by)
    deciding_circle, kind = {
        "appoint_leader": (circle.parent, Decision.Kind.APPOINTMENT),
        "assign_delegate": (circle, Decision.Kind.SELECTION),
        "assign_role": (circle, Decision.Kind.APPOINTMENT),
    }[action]
    term_start = term_start or timezone.localdate()
    _check_term(term_start, term_end)
    term_end = term_end or default_term_end(role, term_start)
    if not selectors.is_org_member(user, organization):
        raise Invalid(
            _("%(name)s is not a member of the organization.") % {"name": user.name}, field="user"
        )
    rules.check_double_link(role.circle, role.kind, user)
    decision = record_decision(
        organization=organization,
        kind=kind,
        circle=deciding_circle,
        title=_("%(name)s is %(role)s of %(circle)s")
        % {"name": user.name, "role": role.name, "circle": circle.name},
        term_end=term_end,
        record={
            "action": "role_assigned",
            "by": person(by),
            "person": person(user),
            "role": role_snapshot(role),
            "circle": {"id": circle.pk, "name": circle.name},
            "term_start": term_start,
            "term_end": term_end,
            "reason": rules.clean_text(reason, "reason"),
        },
    )
    return place_in_role(
        role=role, user=user, term_start=term_start, term_end=term_end, decision=decision, by=by
    )


@transaction.atomic
def accept_delegate(*, assignment, by, accepted: bool = True, reason: str = "") -> RoleAssignment:
    """The parent circle records that it accepts (or objects to) a delegate."""
    assignment = (
        RoleAssignment.objects.select_for_update(of=("self",))
        .select_related(
            "role", "role__circle", "role__circle__parent", "role__circle__organization", "user"
        )
        .get(pk=assignment.pk)
    )
    circle = assignment.role.circle
    rules.check("accept_delegate", assignment, by)
    reason = rules.clean_text(reason, "reason")
    if not accepted and not reason:
        raise Invalid(_("An objection needs a reason."), field="reason")
    decision = record_decision(
        organization=circle.organization,
        kind=Decision.Kind.SELECTION,
        circle=circle.parent,
        title=(
            _("%(parent)s accepts %(name)s as delegate of %(circle)s")
            if accepted
            else _("%(parent)s objects to %(name)s as delegate of %(circle)s")
        )
        % {"parent": circle.parent.name, "name": assignment.user.name, "circle": circle.name},
        record={
            "action": "delegate_accepted" if accepted else "delegate_objected",
            "by": person(by),
            "person": person(assignment.user),
            "circle": {"id": circle.pk, "name": circle.name},
            "assignment": assignment.pk,
            "selection": assignment.decision.sequence if assignment.decision_id else None,
            "reason": reason,
        },
    )
    if accepted:
        assignment.parent_acceptance = decision
        assignment.save(update_fields=["parent_acceptance"])
    return assignment


@transaction.atomic
def end_assignment(*, assignment, by, reason: str) -> RoleAssignment:
    assignment = (
        RoleAssignment.objects.select_for_update(of=("self",))
        .select_related(
            "role", "role__circle", "role__circle__parent", "role__circle__organization", "user"
        )
        .get(pk=assignment.pk)
    )
    role, circle = assignment.role, assignment.role.circle
    rules.check("end_assignment", assignment, by)
    reason = rules.clean_text(reason, "reason")
    if not reason:
        raise Invalid(_("Give the reason for ending the term."), field="reason")
    assignment.ended = timezone.now()
    assignment.end_reason = reason[:300]
    assignment.save(update_fields=["ended", "end_reason"])
    _structure(
        circle.organization,
        by=by,
        circle=circle,
        title=_("%(name)s is no longer %(role)s of %(circle)s")
        % {"name": assignment.user.name, "role": role.name, "circle": circle.name},
        action="role_ended",
        person=person(assignment.user),
        role=role_snapshot(role),
        reason=reason,
    )
    return assignment
