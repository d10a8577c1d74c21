class ApplicationError(Exception):
    """A business rule said no. `message` is translated and safe to show to the user.

    `field` names the form field the message belongs to, if any, so a view can put it beside
    that field with `form.add_error(error.field, error.message)`.
    """

    def __init__(self, message, *, field=None):
        super().__init__(message)
        self.message = message
        self.field = field
