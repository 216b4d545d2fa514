"""Tensions in flight in the demo collective: one on "I don't know which"
circle (in the general circle's backlog), one forwarded from Énergie to its
sibling Alimentation through the general circle, one taken up by the general
circle as a draft proposal. Skipped if already there."""

from core import demo
from tensions import services
from tensions.models import Tension

UNSURE = (
    "Les clés du local",
    "Les bénévoles ne savent pas à qui demander les clés du local de Quimper.",
    "Une personne référente, connue de tous, pour les clés.",
    "Les bénévoles des permanences du samedi.",
)
FORWARDED = (
    "Paniers livrés après la fermeture",
    "Les paniers de légumes arrivent à l'épicerie de Douarnenez après 19 h, quand elle est fermée.",
    "Des livraisons avant 18 h.",
    "Les adhérents qui viennent chercher leur panier.",
)
TAKEN = (
    "Remboursement des frais de déplacement",
    "Rien ne dit comment rembourser les kilomètres des bénévoles qui livrent.",
    "Une règle claire, la même pour tous les cercles.",
    "Les bénévoles qui livrent avec leur voiture.",
)


def _raise(organization, circle, by, text) -> Tension:
    title, what_is, what_should_be, affected = text
    return services.raise_tension(
        organization=organization,
        circle=circle,
        by=by,
        title=title,
        what_is=what_is,
        what_should_be=what_should_be,
        affected=affected,
    )


def seed(ctx: dict) -> None:
    organization = ctx.get("organization")
    circles = ctx.get("circles", {})
    people = ctx.get("people", {})
    if organization is None or "energie" not in circles or "alimentation" not in circles:
        return
    general = circles.get("breizh-coop")
    done = set(Tension.objects.filter(organization=organization).values_list("title", flat=True))
    if UNSURE[0] not in done:
        _raise(organization, None, people["tugdual"], UNSURE)
        ctx["created"] = True
    if FORWARDED[0] not in done:
        tension = _raise(organization, circles["energie"], people["erwan"], FORWARDED)
        services.forward(
            tension=tension,
            by=people["loig"],
            to="alimentation",
            reason="Les livraisons et les épiceries sont du domaine du cercle Alimentation.",
        )
        ctx["created"] = True
    if TAKEN[0] not in done and general is not None:
        tension = _raise(organization, general, people["annaig"], TAKEN)
        services.take(tension=tension, by=people["yann"], outcome="proposal")
        ctx["created"] = True


demo.register(45, seed)
