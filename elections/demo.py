"""The demo's selection in progress: the delegate of "Approvisionnement",
which has none, at the nominating step (one nomination in, hidden)."""

from circles.models import Role
from core import demo
from elections import services
from elections.models import Election


def seed(ctx: dict) -> None:
    circles, people = ctx.get("circles") or {}, ctx.get("people") or {}
    appro = circles.get("approvisionnement")
    if appro is None or "gwen" not in people or "loig" not in people:
        return
    role = Role.objects.filter(circle=appro, kind=Role.Kind.DELEGATE).first()
    if role is None or Election.objects.filter(role=role).exists():
        return
    gwen, loig, soazig = people["gwen"], people["loig"], people.get("soazig")
    election = services.open_election(role=role, by=gwen)
    services.start_nominating(election=election, by=gwen)
    if soazig is not None:
        services.nominate(
            election=election,
            by=loig,
            nominee=soazig,
            reason="Soazig connaît les producteurs et parle clairement au cercle Alimentation.",
        )
    ctx["election"] = election


demo.register(30, seed)
