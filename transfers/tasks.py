from celery import shared_task

from transfers.services import activation_resend_send


@shared_task(acks_late=True)
def send_activation_again(email):
    # The account lookup happens here, not in the web request: see activation_resend_request.
    activation_resend_send(email=email)
