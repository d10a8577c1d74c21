from django import template

from core.text import single_stop as _single_stop

register = template.Library()


@register.filter(is_safe=True)
def single_stop(text):
    """Around a translated sentence that may end in a name:
    `{% filter single_stop %}{% blocktranslate %}…{% endblocktranslate %}{% endfilter %}`"""
    return _single_stop(text)
