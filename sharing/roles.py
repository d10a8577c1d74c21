"""Who may share a car: its current owner (portal), or for a stock car the garage's admins and
sales staff, the roles of the garage's customer pages (`garage.menu`)."""

from garage.menu import ADMIN_SALES

SHARE = ADMIN_SALES
