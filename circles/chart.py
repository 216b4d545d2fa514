"""The org chart's geometry: a tidy tree drawn left to right.

Depth runs along x and the circles of each level are stacked along y, a
parent level with its first child. A tree that grows wide (many sub-circles)
grows downwards, which a page scrolls naturally, so 60 circles stay as
legible as 3. This module only computes numbers and labels; the SVG itself
is a Django template (``circles/chart.svg``), so every user text is escaped.
"""

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from circles import health, selectors
from circles.health import Health

BOX_W = 220
BOX_H = 52
COL_GAP = 90
ROW_GAP = 18
MARGIN = 20
LEGEND_H = 64
MAX_LABEL = 26

# Which of the two lines a health state marks as broken.
BROKEN_LINKS = {
    Health.COMPLETE: (),
    Health.MISSING_LEADER: ("leader",),
    Health.MISSING_DELEGATE: ("delegate",),
    Health.SAME_PERSON: ("leader", "delegate"),
    Health.TERM_EXPIRED: ("leader", "delegate"),
    Health.NOT_MEMBER_OF_BOTH: ("leader", "delegate"),
    Health.AWAITING_ACCEPTANCE: ("delegate",),
    # Decisions waiting on the link: both people carry them (up and down).
    Health.RELAYS_WAITING: ("leader", "delegate"),
}


def truncate(text: str, limit: int = MAX_LABEL) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass
class Node:
    circle: object
    health: Health | None
    depth: int
    relays_waiting: int = 0
    x: float = 0
    y: float = 0
    children: list["Node"] = field(default_factory=list)

    @property
    def label(self) -> str:
        return truncate(self.circle.name)

    @property
    def healthy(self) -> bool:
        return self.health in (None, Health.COMPLETE)

    @property
    def status(self) -> str:
        if self.health is None:
            return _("Root circle")
        if self.health == Health.RELAYS_WAITING:
            return ngettext(
                "%(n)d decision waiting to be relayed",
                "%(n)d decisions waiting to be relayed",
                self.relays_waiting,
            ) % {"n": self.relays_waiting}
        return str(self.health.label)

    @property
    def cy(self) -> float:
        return self.y + BOX_H / 2


@dataclass
class Link:
    """One line between a parent and a child: the leader's or the delegate's."""

    kind: str  # "leader" | "delegate"
    broken: bool
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def path(self) -> str:
        mid = (self.x1 + self.x2) / 2
        x1, y1, x2, y2 = self.x1, self.y1, self.x2, self.y2
        return f"M{x1:.0f},{y1:.0f} C{mid:.0f},{y1:.0f} {mid:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"

    @property
    def label(self) -> str:
        # One letter: L(eader)/D(elegate); in French R(esponsable)/D(élégué·e).
        return (
            pgettext("leader's initial", "L")
            if self.kind == "leader"
            else pgettext("delegate's initial", "D")
        )

    @property
    def label_x(self) -> float:
        return self.x2 - 14

    @property
    def label_y(self) -> float:
        return self.y2


def _nodes(tree: list[dict]) -> list[Node]:
    def make(item: dict) -> Node:
        node = Node(
            circle=item["circle"],
            health=item["health"],
            depth=item["depth"],
            relays_waiting=item.get("relays_waiting", 0),
        )
        node.children = [make(child) for child in item["children"]]
        return node

    return [make(item) for item in tree]


def layout(organization, at=None) -> dict:
    """Positions, links and the size of the picture for ``organization``
    (as it was on the day ``at``, when given)."""
    roots = _nodes(health.circle_tree(organization, at=at))
    nodes: list[Node] = []
    next_row = [0]

    def place(node: Node) -> None:
        node.x = MARGIN + node.depth * (BOX_W + COL_GAP)
        for child in node.children:
            place(child)
        if node.children:
            # Level with its first child, not centred: a tall tree then reads
            # from the top left, and the root is on the first screen.
            node.y = node.children[0].y
        else:
            node.y = LEGEND_H + MARGIN + next_row[0] * (BOX_H + ROW_GAP)
            next_row[0] += 1
        nodes.append(node)

    for root in roots:
        place(root)
    nodes.sort(key=lambda n: (n.depth, n.y))

    links: list[Link] = []
    for node in nodes:
        for child in node.children:
            broken = BROKEN_LINKS.get(child.health, ())
            for kind, offset in (("leader", -9), ("delegate", 9)):
                links.append(
                    Link(
                        kind=kind,
                        broken=kind in broken,
                        x1=node.x + BOX_W,
                        y1=node.cy + offset / 2,
                        x2=child.x,
                        y2=child.cy + offset,
                    )
                )
    depth = max((n.depth for n in nodes), default=0)
    width = 2 * MARGIN + (depth + 1) * BOX_W + depth * COL_GAP
    rows = max(next_row[0], 1)
    height = LEGEND_H + 2 * MARGIN + rows * BOX_H + (rows - 1) * ROW_GAP
    org_slug = organization.slug
    for node in nodes:
        node.url = reverse("circles:circle", kwargs={"org": org_slug, "circle": node.circle.slug})
    unhealthy = [n for n in nodes if not n.healthy]
    return {
        "nodes": nodes,
        "links": links,
        "width": max(width, 560),
        "height": height,
        "box_w": BOX_W,
        "box_h": BOX_H,
        "unhealthy": unhealthy,
        "count": len(nodes),
        # Deeper than four levels, the picture would shrink too much to fit
        # the page: it keeps a minimum width and scrolls instead.
        "wide": depth >= 4,
    }


def tree_json(organization) -> list[dict]:
    """The same tree for the API: nested circles with their health."""

    def item(node: dict) -> dict:
        circle = node["circle"]
        return {
            "id": circle.pk,
            "slug": circle.slug,
            "name": circle.name,
            "health": node["health"].value if node["health"] is not None else None,
            "leader": _holder(circle, "leader"),
            "delegate": _holder(circle, "delegate"),
            "children": [item(child) for child in node["children"]],
        }

    return [item(node) for node in health.circle_tree(organization)]


def _holder(circle, kind: str) -> dict | None:
    user = selectors.current_holder(circle, kind)
    return {"id": user.pk, "name": user.name} if user else None
