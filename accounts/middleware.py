from django.utils import translation


class UserLanguageMiddleware:
    """A logged-in user sees their preferred language.

    Anonymous visitors get LocaleMiddleware's choice (cookie, then browser);
    the language menu stores a logged-in user's choice on the user.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)
