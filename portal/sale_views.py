"""The owner's private sale (/mijn/<plate>/verkopen/): the same two-step form as the garage's
and the fleet's transfer (`transfers.views.transfer_form_flow`, with its "did you mean" guard)
on the route `via=owner`, and cancelling a sale the buyer has not accepted yet. Every rule
(who may sell, fleet cars, one open transfer, who may cancel) is in `transfers.services`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import ApplicationError
from transfers import selectors as transfer_selectors
from transfers import services as transfer_services
from transfers.models import Transfer
from transfers.views import transfer_form_flow


@login_required
@require_http_methods(["GET", "POST"])
def sell(request, plate):
    passport = transfer_selectors.owner_car_get(user=request.user, plate=plate)
    return transfer_form_flow(
        request,
        passport=passport,
        via=Transfer.Via.OWNER,
        back_url=reverse("portal:car", kwargs={"plate": passport.plate}),
        # The car is no longer the seller's: their list shows the sale, with "Cancel".
        done_url=reverse("portal:home"),
        initial={},  # never the seller's own details: untouched fields would pass to the buyer
    )


@login_required
@require_POST
def sale_cancel(request, sale_id):
    transfer = transfer_selectors.owner_sale_get_open(user=request.user, transfer_id=sale_id)
    try:
        transfer_services.transfer_cancel(transfer=transfer, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("portal:home")
    messages.success(
        request,
        _("The transfer of %(plate)s is cancelled; the link sent to %(email)s no longer works.")
        % {"plate": transfer.passport.plate, "email": transfer.email},
    )
    return redirect("portal:car", plate=transfer.passport.plate)
