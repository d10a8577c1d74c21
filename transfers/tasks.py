from celery import shared_task

from transfers.services import activation_resend_send, previous_owners_erase


@shared_task(acks_late=True)
def send_activation_again(email):
    # The account lookup happens here, not in the web request: see activation_resend_request.
    activation_resend_send(email=email)


@shared_task
def erase_previous_owner_details():
    """AVG retention (beat, daily): previous owners' details on old transfers."""
    return previous_owners_erase()
