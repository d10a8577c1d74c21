"""The owner portal (/mijn/): an owner's own cars, never another's, never garage internals."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from autopaspoort import selectors
from core.errors import ApplicationError
from fleet import selectors as fleet_selectors
from fleet.services import fleet_link_request_answer
from transfers import selectors as transfer_selectors
from transfers.services import transfer_accept


@login_required
@require_GET
def home(request):
    cars = list(transfer_selectors.owner_car_list(user=request.user))
    return render(
        request,
        "portal/home.html",
        {
            "cars": [car for car in cars if car.activated_at],
            "to_confirm": [car for car in cars if not car.activated_at],
        },
    )


@login_required
@require_GET
def car(request, plate):
    passport = transfer_selectors.owner_car_get(user=request.user, plate=plate)
    if plate != passport.plate:
        return redirect("portal:car", plate=passport.plate)
    if not passport.activated_at:
        return render(request, "portal/accept.html", {"passport": passport})
    items = list(passport.latest_check.items.all()) if passport.latest_check else []
    return render(
        request,
        "portal/car.html",
        {
            "passport": passport,
            "latest_check": passport.latest_check,
            "latest_items": items,
            "costs": selectors.check_costs(items),
            "timeline": selectors.passport_timeline(passport=passport),
            "periods": transfer_selectors.ownership_periods(passport=passport, viewer=request.user),
            "link_requests": fleet_selectors.fleet_link_requests_for_owner(
                user=request.user, passport=passport
            ),
        },
    )


@login_required
@require_POST
def fleet_request_answer(request, plate, request_id):
    """The owner lets the car join a fleet, or not. Only their own request for their own car."""
    passport = transfer_selectors.owner_car_get(user=request.user, plate=plate)
    link_request = fleet_selectors.fleet_link_request_get(user=request.user, request_id=request_id)
    if link_request.passport_id != passport.pk or request.POST.get("answer") not in (
        "accept",
        "decline",
    ):
        raise Http404
    accept = request.POST["answer"] == "accept"
    try:
        fleet_link_request_answer(link_request=link_request, user=request.user, accept=accept)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        message = (
            _("%(plate)s has joined the fleet %(fleet)s.")
            if accept
            else _("You declined: %(plate)s does not join %(fleet)s.")
        )
        messages.success(
            request, message % {"plate": passport.plate, "fleet": link_request.fleet.name}
        )
    return redirect("portal:car", plate=passport.plate)


@login_required
@require_POST
def accept(request, plate):
    passport = transfer_selectors.owner_car_get(user=request.user, plate=plate)
    transfer = transfer_selectors.transfer_waiting_for(user=request.user, passport=passport)
    if transfer is None:
        raise Http404
    try:
        transfer_accept(transfer=transfer, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("portal:home")
    messages.success(request, _("%(plate)s is now in your account.") % {"plate": passport.plate})
    return redirect("portal:car", plate=passport.plate)
