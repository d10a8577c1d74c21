"""A garage's main menu and who may open each of its pages: one table, read by the pages'
access check (`garage.access.garage_page`) and by the menu in the header, so an item is shown
exactly when its page would open for that role.

Pages of higher apps (promotions, statistics, ...) are named here by their URL name only: this
layer imports none of them. Those apps read their roles from this table.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from garage.models import Membership

Role = Membership.Role

EVERYONE = tuple(Role)
ADMIN_SALES = (Role.ADMIN, Role.SALES)
ADMIN = (Role.ADMIN,)


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    url_name: str  # takes `garage_id`
    roles: tuple[str, ...]


PAGES = {
    page.key: page
    for page in (
        Page("dashboard", _("Dashboard"), "garage:dashboard", EVERYONE),
        Page("passport_create", _("New AutoPaspoort"), "autopaspoort:create", ADMIN_SALES),
        Page("appointments", _("Appointments"), "appointments:garage_list", EVERYONE),
        # Prices to customers and work orders for stock: the front desk's, not the workshop's.
        Page("quotes", _("Quotes"), "quotes:garage_list", ADMIN_SALES),
        # Customer contact (their names and email addresses): not the workshop's business.
        Page("promotions", _("Promotions"), "promotions:list", ADMIN_SALES),
        Page("reminders", _("Reminders"), "reminders:garage_list", ADMIN_SALES),
        Page("statistics", _("Statistics"), "insights:statistics", ADMIN_SALES),
        # "Gebruik en facturen" (billing); the per-month counts (insights:usage) open for the
        # same roles, linked from it.
        Page("usage", _("Usage and invoices"), "billing:usage", ADMIN),
        Page("fleets", _("Fleets"), "fleet:garage_fleets", ADMIN),
        Page("staff", _("Staff"), "garage:staff", ADMIN),
        Page("api_tokens", _("API tokens"), "garage:api_tokens", ADMIN),
        Page("settings", _("Settings"), "garage:settings", ADMIN),
    )
}


def page_roles(key: str) -> tuple[str, ...]:
    """The roles that may open the page `key` (and do what it is for)."""
    return PAGES[key].roles


def menu_items(membership, *, current_view: str = "") -> list[dict]:
    """The menu of one member of a garage: the pages their role may open, in table order."""
    return [
        {
            "label": page.label,
            "url": reverse(page.url_name, kwargs={"garage_id": membership.garage_id}),
            "current": page.url_name == current_view,
        }
        for page in PAGES.values()
        if membership.role in page.roles
    ]
