from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.selectors import user_from_uidb64
from accounts.tokens import activation_token_generator
from autopaspoort import roles
from autopaspoort.selectors import passport_get
from core.errors import ApplicationError
from core.middleware import no_store
from core.ratelimit import email_link_wait, too_many_link_requests
from garage.access import garage_member_required
from transfers import selectors, services
from transfers.forms import ActivationResendForm, CorrectEmailForm, OwnerContactForm
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
    passport = passport_get(garage=garage, plate=plate)
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
    Used by the garage and by the fleet."""
    context = {"passport": passport, "back_url": back_url}
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
    request.session.get(PREFILL_SESSION_KEY, {}).pop(passport.plate, None)
    request.session.modified = True
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


# The activation link's token is moved out of the URL at the first GET (as Django's own
# password reset view does): the page's address then holds no secret for access logs, the
# browser history or a Referer.
ACTIVATION_SESSION_TOKEN = "_activation_token"
ACTIVATION_URL_TOKEN = "wachtwoord-kiezen"


@no_store
@require_http_methods(["GET", "POST"])
def activate(request, uidb64, token):
    """The new owner's link: GET shows the set-password form and changes nothing; POST
    activates the account and logs the owner in on the car's page."""
    user = user_from_uidb64(uidb64)
    from_session = token == ACTIVATION_URL_TOKEN
    if from_session:
        token = request.session.get(ACTIVATION_SESSION_TOKEN, "")
    if user is None or user.is_active or not activation_token_generator.check_token(user, token):
        return render(
            request, "transfers/activation_invalid.html", {"form": ActivationResendForm()}
        )
    if request.method == "GET" and not from_session:
        request.session[ACTIVATION_SESSION_TOKEN] = token
        return redirect("portal:activate", uidb64=uidb64, token=ACTIVATION_URL_TOKEN)
    form = SetPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            transfers = services.owner_activate(
                user=user, token=token, password=form.cleaned_data["new_password1"]
            )
        except ApplicationError as error:
            return render(
                request,
                "transfers/activation_invalid.html",
                {"form": ActivationResendForm(), "reason": error.message},
            )
        else:
            request.session.pop(ACTIVATION_SESSION_TOKEN, None)
            user.refresh_from_db()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your AutoPaspoort is active."))
            if transfers:
                return redirect("portal:car", plate=transfers[-1].passport.plate)
            return redirect("portal:home")
    return render(request, "transfers/activation_set_password.html", {"form": form, "user": user})


@no_store
@require_POST
def activation_resend(request):
    form = ActivationResendForm(request.POST)
    if not form.is_valid():
        return render(request, "transfers/activation_invalid.html", {"form": form})
    wait = email_link_wait(request, form.cleaned_data["email"])
    if wait is not None:
        form.add_error("email", too_many_link_requests(wait))
        return render(request, "transfers/activation_invalid.html", {"form": form}, status=429)
    services.activation_resend_request(email=form.cleaned_data["email"])
    return render(request, "transfers/activation_resend_sent.html")
