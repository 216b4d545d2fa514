from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from accounts import services, throttling
from accounts.forms import LoginForm, PasswordResetForm, ProfileForm, TokenForm
from core.errors import DomainError
from core.links import absolute


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = PasswordResetForm  # the email in the account's language
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    @property
    def extra_email_context(self):
        # The link is built from SITE_URL (core.links), not from the request's Host.
        return {"site_url": absolute("/").rstrip("/")}

    def form_valid(self, form):
        if not throttling.take_password_reset(
            email=form.cleaned_data["email"], client=self.request.META.get("REMOTE_ADDR")
        ):
            # The same answer whether the address has an account or not.
            form.add_error(
                None,
                _(
                    "Too many password reset requests for this address or from your "
                    "connection: no email was sent. Try again later."
                ),
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


@login_required
def profile(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                data = {**form.cleaned_data, "time_zone": form.cleaned_data["time_zone"] or None}
                services.update_profile(user=user, **data)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        if form.is_valid():
            # Say it in the language just chosen: the next page is in it.
            translation.activate(form.cleaned_data["language"])
            messages.success(request, _("Your profile is saved."))
            response = HttpResponseRedirect(reverse("accounts:profile"))
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                form.cleaned_data["language"],
                samesite="Lax",
                secure=settings.LANGUAGE_COOKIE_SECURE,
            )
            return response
    else:
        form = ProfileForm(initial=ProfileForm.initial_for(user))
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "token_form": TokenForm(), "tokens": user.api_tokens.all()},
    )


@login_required
@require_POST
def token_create(request):
    form = TokenForm(request.POST)
    new_token = None
    if form.is_valid():
        try:
            _token, new_token = services.create_api_token(
                user=request.user, name=form.cleaned_data["name"]
            )
        except DomainError as exc:
            form.add_error("name", exc.message)
    context = {
        "token_form": form if new_token is None else TokenForm(),
        "new_token": new_token,
        "tokens": request.user.api_tokens.all(),
    }
    if request.htmx:
        return render(request, "accounts/profile.html#tokens", context)
    context["form"] = ProfileForm(initial=ProfileForm.initial_for(request.user))
    return render(request, "accounts/profile.html", context)


@login_required
@require_POST
def token_revoke(request, token_id: int):
    try:
        services.revoke_api_token(user=request.user, token_id=token_id)
        if not request.htmx:  # the htmx answer shows the table, "revoked" in it
            messages.success(request, _("The token is revoked."))
    except DomainError as exc:
        messages.error(request, exc.message)
    if request.htmx:
        return render(
            request,
            "accounts/profile.html#tokens",
            {"token_form": TokenForm(), "tokens": request.user.api_tokens.all()},
        )
    return HttpResponseRedirect(reverse("accounts:profile"))


@require_POST
def set_language(request):
    """Django's set_language, which also stores a logged-in user's choice."""
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(
        request.user._meta.get_field("language").choices
    ):
        services.update_profile(
            user=request.user, display_name=request.user.display_name, language=language
        )
    return django_set_language(request)
