"""Demo proposals in the general circle: one adopted (its decision in the
log), one open for consent until next week, one deferred (so the next
meeting's draft agenda proposes it again); and a policy of the Alimentation
circle with measures and a domain, relayed by itself to the general circle
(it waits in its relay inbox). Skipped if already there."""

from datetime import timedelta

from django.utils import timezone

from circles import selectors as circle_selectors
from core import demo
from proposals import rounds, services
from proposals.models import Proposal

ADOPTED = (
    "Charte des achats locaux",
    "Nous achetons en priorité aux producteurs situés à **moins de 50 km**.\n\n"
    "- les exceptions sont notées dans le journal des achats ;\n"
    "- la charte est relue chaque année.",
)
POLICY = (
    "Tournée des producteurs partagée",
    "Les épiceries coopératives **partagent une seule tournée** hebdomadaire chez les "
    "producteurs, organisée par le cercle Approvisionnement.",
    [
        "Moins de 2 tournées par semaine au total",
        "Aucune épicerie en rupture de produits frais plus d'un jour",
    ],
)
OPEN = (
    "Réunions du cercle général le premier mardi du mois",
    "Le cercle général se réunit **le premier mardi de chaque mois**, de 18 h à 20 h, "
    "en visio ou à la Maison des associations de Quimper.",
)

DEFERRED = (
    "Fête de la coopérative en juin",
    "Une fête ouverte aux adhérents et aux producteurs, le dernier samedi de juin.",
    "Attendre le budget de l'été.",
)


def seed(ctx: dict) -> None:
    organization = ctx.get("organization")
    if organization is None:
        return
    general = circle_selectors.root_circle(organization)
    people = ctx["people"]
    fay = people["yann"]
    if not Proposal.objects.filter(circle=general, title=ADOPTED[0]).exists():
        p = services.create_proposal(
            circle=general, by=people["nolwenn"], title=ADOPTED[0], body=ADOPTED[1]
        )
        services.present(proposal=p, by=fay)
        services.open_reactions(proposal=p, by=fay, mode="reveal")
        for user in circle_selectors.current_members(general):
            services.answer(proposal=p, by=user, kind="reaction", text="D'accord sur le principe.")
        services.close_round(proposal=p, by=fay)
        services.open_consent_round(proposal=p, by=fay, revision=1)
        round_ = rounds.open_round_of(p)
        members = {u.pk: u for u in circle_selectors.current_members(general)}
        for member_id in round_.speakers:
            concern = "Surveiller les prix." if members[member_id] == people["maela"] else ""
            services.answer(proposal=p, by=members[member_id], kind="consent", concern=concern)
        services.acknowledge(proposal=p, by=fay)
        ctx["created"] = True
    if not Proposal.objects.filter(circle=general, title=OPEN[0]).exists():
        p = services.create_proposal(
            circle=general, by=people["maela"], title=OPEN[0], body=OPEN[1]
        )
        services.present(proposal=p, by=fay)
        services.open_async_consent(proposal=p, by=fay, deadline=timezone.now() + timedelta(days=7))
        services.answer(proposal=p, by=people["claire"], kind="consent")
        ctx["created"] = True
    if not Proposal.objects.filter(circle=general, title=DEFERRED[0]).exists():
        p = services.create_proposal(
            circle=general, by=people["claire"], title=DEFERRED[0], body=DEFERRED[1]
        )
        services.defer(proposal=p, by=fay, reason=DEFERRED[2])
        ctx["created"] = True
    _policy_with_measures(ctx)


def _policy_with_measures(ctx: dict) -> None:
    alimentation = ctx.get("circles", {}).get("alimentation")
    if alimentation is None:
        alimentation = circle_selectors.circle_or_none(ctx["organization"], "alimentation")
    domains = circle_selectors.domains_of(alimentation) if alimentation else []
    if not domains or Proposal.objects.filter(circle=alimentation, title=POLICY[0]).exists():
        return
    people = ctx["people"]
    facilitator = people["soazig"]
    p = services.create_proposal(
        circle=alimentation,
        by=people["gwen"],
        title=POLICY[0],
        body=POLICY[1],
        measures=POLICY[2],
        domain=domains[0],
    )
    services.present(proposal=p, by=facilitator)
    services.open_async_consent(
        proposal=p, by=facilitator, deadline=timezone.now() + timedelta(days=7)
    )
    for user in circle_selectors.current_members(alimentation):
        services.answer(proposal=p, by=user, kind="consent")
    ctx["created"] = True


demo.register(20, seed)
