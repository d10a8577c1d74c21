from celery import shared_task

from accounts.services import password_reset_send


@shared_task(acks_late=True)
def send_password_reset(email):
    # The account lookup happens here, not in the web request: see password_reset_request.
    password_reset_send(email=email)
