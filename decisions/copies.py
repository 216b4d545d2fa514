"""A kept JSON export of a log checked against the live log.

The export itself is written by the log pages (``logbook.exports``); the check
is part of verification, so ``manage.py verify_decisions --against FILE`` runs
in the log core. ``FORMAT`` names the export format both sides agree on.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from decisions.models import GENESIS_HASH, Decision, LogHead, chain_hash

FORMAT = "cercle-decision-log/1"
#: An organization's whole export (``core.portable``) and its log's section.
ORGANIZATION_FORMAT = "cercle-organization"
LOG_SECTION = "decisions.log"


@dataclass(frozen=True)
class CopyCheck:
    ok: bool
    entries: int
    head_sequence: int
    problem: str = ""
    first_bad: int | None = None


_CONTENT_KEYS = [
    "organization",
    "sequence",
    "circle",
    "kind",
    "title",
    "body",
    "record",
    "decided_at",
    "review_date",
    "term_end",
    "supersedes",
]


def check_copy(organization, document: dict) -> CopyCheck:
    """Does the live log still contain this exported copy unchanged?

    Checks the copy is itself consistent (each hash recomputes from its
    content), then that the live log has each entry with the same content and
    hashes, and that the live entry at the exported head's sequence has the
    exported head hash (so a tail cut together with a rewritten head shows).
    """
    if isinstance(document, dict) and document.get("format") == ORGANIZATION_FORMAT:
        # A whole organization's export (core.portable) carries its log as a
        # section of this format.
        document = {
            **(document.get(LOG_SECTION) or {}),
            "organization": document.get("organization"),
        }
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return CopyCheck(False, 0, 0, _("This file is not a Cercle decision log export."))
    exported_org = (document.get("organization") or {}).get("slug")
    if exported_org != organization.slug:
        return CopyCheck(
            False,
            0,
            0,
            _("This export is of another organization (%(slug)s).") % {"slug": exported_org},
        )
    head = document.get("head") or {}
    head_seq, head_hash = head.get("sequence"), head.get("hash")
    entries = document.get("entries")
    if not isinstance(entries, list) or not isinstance(head_seq, int):
        return CopyCheck(False, 0, 0, _("The export has no entries or no head."))

    for entry in entries:
        seq = entry.get("sequence")
        content = {key: entry.get(key) for key in _CONTENT_KEYS}
        if chain_hash(entry.get("prev_hash", ""), content) != entry.get("hash"):
            return CopyCheck(
                False, len(entries), head_seq,
                _("The copy itself is damaged at entry #%(seq)s.") % {"seq": seq}, seq,
            )  # fmt: skip

    wanted = [e["sequence"] for e in entries if isinstance(e.get("sequence"), int)]
    if head_seq:
        wanted.append(head_seq)
    live = {
        d.sequence: d
        for d in Decision.objects.filter(organization=organization, sequence__in=set(wanted))
    }
    for entry in entries:
        seq = entry["sequence"]
        current = live.get(seq)
        if current is None:
            return CopyCheck(
                False, len(entries), head_seq,
                _("Entry #%(seq)s of the copy is missing from the live log.") % {"seq": seq}, seq,
            )  # fmt: skip
        if current.hash != entry["hash"] or current.prev_hash != entry["prev_hash"]:
            return CopyCheck(
                False, len(entries), head_seq,
                _("Entry #%(seq)s differs from the copy (its hash changed).") % {"seq": seq}, seq,
            )  # fmt: skip
        if chain_hash(current.prev_hash, current.content()) != current.hash:
            return CopyCheck(
                False, len(entries), head_seq,
                _("Entry #%(seq)s was changed in the live log after the export.") % {"seq": seq},
                seq,
            )  # fmt: skip
    if head_seq:
        at_head = live.get(head_seq)
        if at_head is None:
            return CopyCheck(
                False, len(entries), head_seq,
                _("The live log no longer reaches the exported head (#%(seq)s).") % {
                    "seq": head_seq
                },
                head_seq,
            )  # fmt: skip
        if at_head.hash != head_hash:
            return CopyCheck(
                False, len(entries), head_seq,
                _("The live entry #%(seq)s does not have the exported head hash.") % {
                    "seq": head_seq
                },
                head_seq,
            )  # fmt: skip
    live_head = LogHead.objects.filter(organization=organization).first()
    if live_head is None and head_seq:
        return CopyCheck(False, len(entries), head_seq, _("The live log has no head."), head_seq)
    if head_seq == 0 and head_hash not in (None, GENESIS_HASH):
        return CopyCheck(False, len(entries), head_seq, _("The exported head is malformed."))
    return CopyCheck(True, len(entries), head_seq)
