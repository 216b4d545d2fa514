"""The demo collective's organization, people and circles (three levels)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from circles import services
from circles.models import Circle, Organization, OrganizationMember, Role
from core import demo

DEMO_PASSWORD = "cercle-demo"
DEMO_SLUG = "breizh-coop"

PEOPLE = [
    ("claire", "Claire Le Goff", "administratrice, responsable du cercle général"),
    ("yann", "Yann Kerleroux", "facilitateur du cercle général"),
    ("nolwenn", "Nolwenn Tanguy", "secrétaire, responsable du cercle Énergie"),
    ("erwan", "Erwan Morvan", "délégué du cercle Énergie"),
    ("maela", "Maëla Riou", "responsable du cercle Alimentation"),
    ("gwen", "Gwenaëlle Bihan", "déléguée du cercle Alimentation"),
    ("loig", "Loïg Caradec", "membre, cercle Approvisionnement"),
    ("soazig", "Soazig Pérès", "membre, cercle Approvisionnement"),
    ("tugdual", "Tugdual Le Bras", "responsable du cercle Communication"),
    ("annaig", "Annaïg Quéré", "déléguée du cercle Communication"),
    ("mikael", "Mikaël Jégou", "délégué du cercle Toitures"),
    ("rozenn", "Rozenn Cadiou", "déléguée du cercle Épiceries"),
]


def seed(ctx: dict) -> None:
    User = get_user_model()
    people = {}
    for key, name, _role in PEOPLE:
        user = User.objects.filter(email=f"{key}@example.org").first()
        if user is None:
            user = User.objects.create_user(
                email=f"{key}@example.org", password=DEMO_PASSWORD, display_name=name, language="fr"
            )
        people[key] = user
    ctx["people"] = people
    ctx["password"] = DEMO_PASSWORD
    ctx["logins"] = [(f"{key}@example.org", role) for key, _name, role in PEOPLE]

    org = Organization.objects.filter(slug=DEMO_SLUG).first()
    if org is not None:
        ctx["organization"] = org
        ctx["circles"] = {c.slug: c for c in Circle.objects.filter(organization=org)}
        return

    ctx["created"] = True
    claire = people["claire"]
    org = services.create_organization(
        name="Réseau Breizh Coop", slug=DEMO_SLUG, by=claire, language="fr", public_log=True
    )
    for key, user in people.items():
        if key != "claire":
            OrganizationMember.objects.create(organization=org, user=user)
    general = Circle.objects.get(organization=org, parent__isnull=True)
    services.update_circle(
        circle=general,
        by=claire,
        name="Cercle général",
        aim="Faire vivre un réseau coopératif breton, sobre et solidaire.",
        domains=["Les orientations du réseau", "Ses finances", "Les liens entre cercles"],
    )
    role = Role.objects.get
    services.assign_role(role=role(circle=general, kind="leader"), user=claire, by=claire)
    for key in ("yann", "nolwenn", "maela"):
        services.add_member(circle=general, user=people[key], by=claire)
    services.assign_role(
        role=role(circle=general, kind="facilitator"), user=people["yann"], by=claire
    )
    services.assign_role(
        role=role(circle=general, kind="secretary"), user=people["nolwenn"], by=claire
    )

    energie = services.create_circle(
        parent=general,
        name="Énergie",
        slug="energie",
        by=claire,
        aim="Des toits solaires coopératifs sur chaque commune du réseau.",
        domains=["Projets photovoltaïques", "Achats groupés d'énergie"],
    )
    alimentation = services.create_circle(
        parent=general,
        name="Alimentation",
        slug="alimentation",
        by=claire,
        aim="Une alimentation locale accessible à tous les membres.",
        domains=["Épiceries coopératives", "Liens avec les producteurs"],
    )
    appro = services.create_circle(
        parent=alimentation,
        name="Approvisionnement",
        slug="approvisionnement",
        by=claire,
        aim="Des produits locaux livrés chaque semaine.",
        domains=["Commandes groupées", "Tournées", "Stock"],
    )
    # Énergie: a complete double link.
    services.assign_role(
        role=role(circle=energie, kind="leader"), user=people["nolwenn"], by=claire
    )
    services.add_member(circle=energie, user=people["erwan"], by=claire)
    delegate = services.assign_role(
        role=role(circle=energie, kind="delegate"), user=people["erwan"], by=claire
    )
    services.accept_delegate(assignment=delegate, by=claire)
    services.add_member(circle=energie, user=people["loig"], by=claire)
    # Alimentation: complete too, with a facilitator of its own.
    services.assign_role(
        role=role(circle=alimentation, kind="leader"), user=people["maela"], by=claire
    )
    for key in ("gwen", "soazig", "loig"):
        services.add_member(circle=alimentation, user=people[key], by=claire)
    delegate = services.assign_role(
        role=role(circle=alimentation, kind="delegate"), user=people["gwen"], by=claire
    )
    services.accept_delegate(assignment=delegate, by=claire)
    services.assign_role(
        role=role(circle=alimentation, kind="facilitator"), user=people["soazig"], by=claire
    )
    # Approvisionnement: a leader but no delegate yet (shown as missing in the chart),
    # and a custom role whose term ends soon.
    services.assign_role(role=role(circle=appro, kind="leader"), user=people["gwen"], by=claire)
    services.add_member(circle=appro, user=people["loig"], by=people["gwen"])
    services.add_member(circle=appro, user=people["soazig"], by=people["gwen"])
    tournees = services.create_role(
        circle=appro,
        name="Coordination des tournées",
        by=people["gwen"],
        purpose="Des tournées qui livrent chaque commune sans kilomètre inutile.",
        domains=["Calendrier des tournées"],
        accountabilities=[
            "Planifie les tournées de livraison",
            "Tient le carnet des producteurs",
        ],
        default_term_months=6,
        qualifications=["Permis B", "Disponible le jeudi"],
    )
    today = timezone.localdate()
    services.assign_role(
        role=tournees,
        user=people["loig"],
        by=people["gwen"],
        term_start=today - timedelta(days=160),
        term_end=today + timedelta(days=20),
    )
    _more_circles(people, general, energie, alimentation, claire)
    # Énergie has finished its set-up: a change of its aim, domains or roles is
    # now a proposal (Cercle général decides its aim and domains).
    services.set_setup(
        circle=energie,
        by=people["nolwenn"],
        done=True,
        reason="Raison d'être, domaines et rôles stables depuis trois mois.",
    )
    ctx["organization"] = org
    ctx["circles"] = {c.slug: c for c in Circle.objects.filter(organization=org)}


def _more_circles(people, general, energie, alimentation, claire) -> None:
    """Three more circles, so the chart shows three levels and seven circles."""
    role = Role.objects.get
    communication = services.create_circle(
        parent=general,
        name="Communication",
        slug="communication",
        by=claire,
        aim="Faire connaître le réseau et ses projets en breton et en français.",
        domains=["Site", "Lettre d'information", "Réseaux sociaux", "Presse"],
    )
    toitures = services.create_circle(
        parent=energie,
        name="Toitures solaires",
        slug="toitures",
        by=claire,
        aim="Repérer et équiper les toits des communes partenaires.",
        domains=["Études de toiture", "Chantiers", "Suivi de production"],
    )
    epiceries = services.create_circle(
        parent=alimentation,
        name="Épiceries coopératives",
        slug="epiceries",
        by=claire,
        aim="Des épiceries tenues par leurs membres dans chaque pays.",
        domains=["Ouverture", "Permanences", "Prix"],
    )
    for circle, leader, delegate, facilitator in (
        (communication, "tugdual", "annaig", "mikael"),
        (toitures, "erwan", "mikael", "loig"),
        (epiceries, "soazig", "rozenn", "annaig"),
    ):
        services.assign_role(
            role=role(circle=circle, kind="leader"), user=people[leader], by=claire
        )
        services.add_member(circle=circle, user=people[delegate], by=claire)
        assignment = services.assign_role(
            role=role(circle=circle, kind="delegate"), user=people[delegate], by=claire
        )
        services.accept_delegate(assignment=assignment, by=claire)
        if facilitator not in (leader, delegate):
            services.add_member(circle=circle, user=people[facilitator], by=claire)
        services.assign_role(
            role=role(circle=circle, kind="facilitator"), user=people[facilitator], by=claire
        )
    # Secretaries where the circles have one.
    services.assign_role(
        role=role(circle=energie, kind="secretary"), user=people["loig"], by=claire
    )
    services.assign_role(
        role=role(circle=alimentation, kind="secretary"), user=people["loig"], by=claire
    )


demo.register(10, seed)
