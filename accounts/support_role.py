"""The support role as data: what the `support` group may see and do in the admin.

One table, read by three things so they cannot drift apart: the data migration that sets the
group's permissions to exactly this (`accounts/migrations/0004_support_role.py`), the table in
docs/architecture.md (section Support; a test compares it with `markdown_table()`), and the test
that logs in as support and tries view/add/change/delete on every admin page
(tests/security/test_support_role.py).

Ownership (a passport's owner, garage, fleet and state), a garage's login and anyone's rights
are never edited as fields; they change only through the admin actions named here, which call
the same services as the garage and fleet pages.
"""

from dataclasses import dataclass

# Only plain strings here, no model imports: a migration reads this module.


@dataclass(frozen=True)
class Grant:
    model: str  # "app_label.model_name"
    view: bool = True
    add: bool = False
    change: bool = False
    delete: bool = False
    # (custom permission codename on this model, the admin action or page it opens)
    actions: tuple[tuple[str, str], ...] = ()

    @property
    def app_label(self) -> str:
        return self.model.split(".")[0]

    @property
    def model_name(self) -> str:
        return self.model.split(".")[1]

    def allows(self, operation: str) -> bool:
        return bool(getattr(self, operation))

    def codenames(self) -> list[str]:
        """Every permission this row grants (all on this row's model)."""
        granted = [f"{op}_{self.model_name}" for op in OPERATIONS if self.allows(op)]
        return granted + [codename for codename, _ in self.actions]


OPERATIONS = ("view", "add", "change", "delete")

SUPPORT_ROLE: tuple[Grant, ...] = (
    # People: details of customers and garage staff; never a staff or superuser account, never
    # anyone's rights (UserAdmin).
    Grant("accounts.user", change=True),
    # The audit of owners' AVG requests (data downloads, account deletions): read only.
    Grant("accounts.privacyevent"),
    # Garage details; the login account (`account_user`) is read-only for everyone.
    Grant("garage.garage", change=True),
    Grant("garage.membership"),
    Grant(
        "garage.apitoken",
        actions=(("revoke_apitoken", 'Token list: "Revoke the selected tokens"'),),
    ),
    # Passport data and history; owner, garage, fleet and state are read-only for everyone.
    Grant("autopaspoort.passport", change=True),
    Grant("autopaspoort.statuscheck"),
    Grant("autopaspoort.statuscheckitem"),
    Grant("autopaspoort.historyentry", change=True),
    # What the RDW refresh found (recalls, which car has which, APK defects): read only, the
    # refresh is their only writer.
    Grant("autopaspoort.recall"),
    Grant("autopaspoort.passportrecall"),
    Grant("autopaspoort.apkdefect"),
    Grant("fleet.fleetaccount", add=True, change=True),
    Grant("fleet.fleetmembership"),
    Grant(
        "fleet.fleetlink",
        actions=(("unlink_fleetlink", 'Passport page: "Unlink from fleet"'),),
    ),
    Grant(
        "transfers.transfer",
        actions=(
            ("correct_transfer_email", 'Transfer page: "Correct email"'),
            ("transfer_as_support", 'Passport page: "Transfer to a new owner"'),
        ),
    ),
    Grant("transfers.emailcorrection"),
    Grant(
        "notifications.notification",
        actions=(("resend_notification", 'Outbox list: "Resend the selected emails"'),),
    ),
    Grant("notifications.emailoptout", delete=True),
    Grant("reminders.remindersent"),
    Grant("appointments.appointment"),
    Grant("appointments.appointmentslot"),
    Grant("appointments.garagelightadvice", change=True, delete=True),
    Grant("promotions.promotion"),
    Grant("promotions.promotionrecipient"),
    Grant("insights.monthlyusage"),
    # The privacy statement and terms: support reads them (to answer questions); the legal
    # text is written by a superuser, who answers for it.
    Grant("legal.legalpage"),
    # Check photos: read-only; removed (files gone, the row kept as the record) only with a reason.
    Grant(
        "photos.checkphoto",
        actions=(("delete_checkphoto_with_reason", 'Photo page: "Delete with a reason"'),),
    ),
    # Quotes and work orders with their lines: read-only (the garage and the owner change them
    # in their own pages; a sent quote never changes).
    Grant("quotes.quote"),
    Grant("quotes.quoteline"),
    # Billing: support writes the tariffs (add, and change within `tariff_check`'s rules: a new
    # one from next month, a started one only ended), never deletes one; reads statements and
    # invoices, and corrects an invoice only with a credit note. The invoice counter has no page.
    Grant("billing.tariff", add=True, change=True),
    Grant("billing.tarifftier", add=True, change=True, delete=True),
    Grant("billing.statement"),
    Grant("billing.statementline"),
    Grant(
        "billing.invoice",
        actions=(("issue_credit_note", 'Invoice page: "Credit this invoice"'),),
    ),
    # Unlocking a locked-out account is deleting its failed attempts.
    Grant("axes.accessattempt", delete=True),
)


def grant_for(label: str) -> Grant | None:
    """The row for "app_label.model_name", or None: support has nothing on that model."""
    return next((grant for grant in SUPPORT_ROLE if grant.model == label), None)


def permission_spec() -> list[tuple[str, str, list[str]]]:
    """The table as (app_label, model_name, [codename, ...]) for core.migration_tools."""
    return [(grant.app_label, grant.model_name, grant.codenames()) for grant in SUPPORT_ROLE]


def markdown_table() -> str:
    """The table as it stands in docs/architecture.md."""

    def mark(allowed: bool) -> str:
        return "yes" if allowed else "-"

    lines = [
        "| Model | view | add | change | delete | admin actions (permission) |",
        "|---|---|---|---|---|---|",
    ]
    for grant in SUPPORT_ROLE:
        actions = "; ".join(f"{label} (`{codename}`)" for codename, label in grant.actions)
        cells = [f"`{grant.model}`", *(mark(grant.allows(op)) for op in OPERATIONS), actions or "-"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
