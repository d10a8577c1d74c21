"""Who may do what with a passport. One table, read by views (to show actions) and services
(to refuse them): mechanics record checks and history but cannot create or hand over cars."""

from garage.menu import page_roles
from garage.models import Membership

Role = Membership.Role

CREATE_PASSPORT = page_roles("passport_create")  # the menu's table: the page and the action
RECORD_CHECK = (Role.ADMIN, Role.MECHANIC)
ADD_HISTORY = (Role.ADMIN, Role.MECHANIC)
MARK_FOR_DELIVERY = (Role.ADMIN, Role.SALES)
TRANSFER = (Role.ADMIN, Role.SALES)
# Correcting make, model, colour, fuel, dates and VIN (a mechanic reports an APK's new expiry
# with the APK history entry instead).
EDIT_VEHICLE_DATA = (Role.ADMIN, Role.SALES)
# Asking an owner to let this garage service their car (taking a customer on).
REQUEST_MOVE = (Role.ADMIN, Role.SALES)


def capabilities(membership) -> dict[str, bool]:
    """Flags for templates: which passport actions this member sees."""
    role = membership.role
    return {
        "can_create": role in CREATE_PASSPORT,
        "can_check": role in RECORD_CHECK,
        "can_add_history": role in ADD_HISTORY,
        "can_mark_delivery": role in MARK_FOR_DELIVERY,
        "can_transfer": role in TRANSFER,
        "can_edit_vehicle": role in EDIT_VEHICLE_DATA,
        "can_request_move": role in REQUEST_MOVE,
    }
