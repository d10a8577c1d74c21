from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from celery.signals import worker_process_shutdown, worker_shutdown
        from django.core.signals import setting_changed

        worker_process_shutdown.connect(_close_mail_connections, weak=False)  # prefork children
        worker_shutdown.connect(_close_mail_connections, weak=False)  # solo/threads pools
        setting_changed.connect(_email_setting_changed, weak=False)


def _close_mail_connections(**kwargs):
    from notifications.services import mail_connections_close, notification_senders_stop

    notification_senders_stop()
    mail_connections_close()


def _email_setting_changed(*, setting, **kwargs):
    """A kept connection was made from the old settings (tests change EMAIL_* per test)."""
    if setting.startswith(("EMAIL_", "ANYMAIL")):
        _close_mail_connections()
