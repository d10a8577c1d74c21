from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from autopaspoort import roles
from autopaspoort.selectors import passport_get, passport_get_lean
from core.errors import ApplicationError
from garage.access import garage_member_required
from transfers import selectors, services
from transfers.forms import CorrectEmailForm, OwnerContactForm
from transfers.models import Transfer

PREFILL_SESSION_KEY = "transfer_prefill"


def stash_prefill(request, *, plate: str, contact: dict) -> None:
    """Carry the owner details typed in the create form over to the transfer form."""
    prefill = request.session.get(PREFILL_SESSION_KEY, {})
    prefill[plate] = contact
    request.session[PREFILL_SESSION_KEY] = prefill


def _initial_contact(request, passport) -> dict:
    """What the transfer form starts with: only what was typed for this buyer in the create
    form. Never the current owner's details: fields left untouched would hand the seller's
    address and phone to the buyer."""
    return request.session.get(PREFILL_SESSION_KEY, {}).get(passport.plate) or {}


@garage_member_required(*roles.TRANSFER)
@require_http_methods(["GET", "POST"])
def transfer_start(request, garage, plate):
    passport = passport_get_lean(garage=garage, plate=plate)
    return transfer_form_flow(
        request,
        passport=passport,
        via=Transfer.Via.GARAGE,
        back_url=passport.get_absolute_url(),
        done_url=passport.get_absolute_url(),
        initial=_initial_contact(request, passport),
    )


def transfer_form_flow(request, *, passport, via, back_url, done_url, initial):
    """Owner details, then a confirmation that shows the email large; the green check
    transfers. Both steps post to the same URL; nothing changes before the confirmation.
    Used by the garage, the fleet and the owner (a private sale, from the portal)."""
    context = {"passport": passport, "back_url": back_url, "via": via}
    refusal = services.transfer_refusal(passport=passport, via=via)
    if refusal:  # said before anyone types a buyer's details, not at the green check
        return render(
            request, "transfers/transfer_details.html", {**context, "refusal": refusal}, status=409
        )
    if request.method == "GET":
        form = OwnerContactForm(initial={**initial, "expected_version": passport.owner_version})
        return render(request, "transfers/transfer_details.html", {**context, "form": form})

    data = request.POST.copy()
    if "use_suggestion" in data:
        data["email"] = data["use_suggestion"]
    form = OwnerContactForm(data)
    step = data.get("step", "details")
    if not form.is_valid() or step == "edit":
        return render(request, "transfers/transfer_details.html", {**context, "form": form})
    if form.email_suggestion:
        return render(
            request,
            "transfers/transfer_details.html",
            {**context, "form": form, "suggestion": form.email_suggestion},
        )
    if step != "confirm":
        return render(request, "transfers/transfer_confirm.html", {**context, "form": form})
    try:
        outcome = services.transfer_confirm(
            passport=passport,
            contact=form.contact(),
            actor=request.user,
            via=via,
            expected_version=form.cleaned_data["expected_version"],
        )
    except ApplicationError as error:
        form.add_error(error.field, error.message)
        return render(request, "transfers/transfer_details.html", {**context, "form": form})
    if request.session.get(PREFILL_SESSION_KEY, {}).pop(passport.plate, None) is not None:
        request.session.modified = True  # else nothing to write: no session UPDATE
    if outcome.already_done:
        messages.info(
            request, _("%(plate)s has already been transferred.") % {"plate": passport.plate}
        )
    elif outcome.transfer.new_owner_is_new:
        messages.success(
            request,
            _("%(plate)s is transferred. %(email)s receives an email to activate the passport.")
            % {"plate": passport.plate, "email": outcome.transfer.email},
        )
    else:
        messages.success(
            request,
            _("%(plate)s is transferred to the existing account of %(email)s.")
            % {"plate": passport.plate, "email": outcome.transfer.email},
        )
    return redirect(done_url)


@garage_member_required(*roles.TRANSFER)
@require_POST
def transfer_resend(request, garage, plate, transfer_id):
    passport = passport_get(garage=garage, plate=plate)
    transfer = selectors.transfer_get_open(passport=passport, transfer_id=transfer_id)
    try:
        services.transfer_resend_email(transfer=transfer, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("The email has been sent again to %(email)s.") % {"email": transfer.email}
        )
    return redirect(passport)


@garage_member_required(*roles.TRANSFER)
@require_POST
def transfer_cancel(request, garage, plate, transfer_id):
    """The garage withdraws its own open transfer (transfers.services.transfer_cancel says who
    may): the car is back where it was and the new owner is told the link is void."""
    passport = passport_get(garage=garage, plate=plate)
    transfer = selectors.transfer_get_open(passport=passport, transfer_id=transfer_id)
    try:
        services.transfer_cancel(transfer=transfer, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The transfer is cancelled; the link sent to %(email)s no longer works.")
            % {"email": transfer.email},
        )
    return redirect(passport)


@garage_member_required(*roles.TRANSFER)
@require_http_methods(["GET", "POST"])
def transfer_correct(request, garage, plate, transfer_id):
    passport = passport_get(garage=garage, plate=plate)
    transfer = selectors.transfer_get_open(passport=passport, transfer_id=transfer_id)
    form = CorrectEmailForm(
        request.POST if request.method == "POST" else None, initial={"new_email": transfer.email}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_correct_email(
                transfer=transfer, new_email=form.cleaned_data["new_email"], actor=request.user
            )
        except ApplicationError as error:
            form.add_error("new_email" if error.field else None, error.message)
        else:
            messages.success(
                request,
                _(
                    "The email is corrected. The old link no longer works; %(email)s receives a "
                    "new one."
                )
                % {"email": form.cleaned_data["new_email"]},
            )
            return redirect(passport)
    return render(
        request,
        "transfers/transfer_correct.html",
        {
            "garage": garage,
            "passport": passport,
            "transfer": transfer,
            "form": form,
            "back_url": passport.get_absolute_url(),
        },
    )
