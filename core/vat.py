"""BTW (Dutch VAT): the one function that splits an amount into excl., BTW and incl.

Garages type and show their prices either including or excluding 21 % BTW
(`Garage.prices_include_vat`, a garage setting). Pages say which ("incl. btw" / "excl. btw"),
and the status check shows the BTW amount; quotes are to build on `vat_split` too.

The rule (Decimal throughout, never floats; every result rounded half-up to whole cents):

- an amount **including** BTW: excl. = round(amount / 1.21), BTW = amount - excl.,
  incl. = amount (so excl. + BTW is exactly what the garage typed);
- an amount **excluding** BTW: BTW = round(amount x 0.21), incl. = amount + BTW,
  excl. = amount.

So the three figures always add up (excl. + BTW = incl.) and the amount the garage typed is
never changed. Sums are split once, on the total: the BTW on a total is not the sum of the
rounded BTW of its lines (on a quote, split per line and add the lines if an invoice does).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from core.money import cents

VAT_RATE = Decimal("0.21")  # the general Dutch rate (hoog tarief)
INCL = _("incl. VAT")
EXCL = _("excl. VAT")


@dataclass(frozen=True)
class VatSplit:
    excl: Decimal
    vat: Decimal
    incl: Decimal
    rate: Decimal
    includes_vat: bool  # whether the amount it was made from included BTW

    @property
    def shown(self) -> Decimal:
        """The amount as the garage typed and shows it."""
        return self.incl if self.includes_vat else self.excl

    @property
    def percent(self) -> str:
        """ "21" for 0.21 (for "BTW 21 %")."""
        return f"{(self.rate * 100).normalize():f}"


def vat_split(amount, *, includes_vat: bool, rate: Decimal = VAT_RATE) -> VatSplit:
    """Split `amount` (a price incl. BTW when `includes_vat`, else excl.) by the rule above."""
    amount = cents(amount or 0)
    if includes_vat:
        excl = cents(amount / (1 + rate))
        return VatSplit(excl=excl, vat=amount - excl, incl=amount, rate=rate, includes_vat=True)
    vat = cents(amount * rate)
    return VatSplit(excl=amount, vat=vat, incl=amount + vat, rate=rate, includes_vat=False)


def vat_label(includes_vat: bool) -> str:
    """What to write after an amount: "incl. VAT" ("incl. btw") or "excl. VAT"."""
    return str(INCL if includes_vat else EXCL)
