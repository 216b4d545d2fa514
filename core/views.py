from django.apps import apps
from django.shortcuts import render


def home(request):
    organizations = []
    if request.user.is_authenticated:
        Organization = apps.get_model("circles", "Organization")
        organizations = Organization.objects.filter(
            members__user=request.user, members__left__isnull=True
        ).order_by("name")
    return render(request, "home.html", {"organizations": organizations})


def error_403(request, exception=None):
    return render(request, "errors/403.html", status=403)


def error_404(request, exception=None):
    return render(request, "errors/404.html", status=404)


def error_500(request):
    # No context processors that touch the database: the error may be there.
    return render(request, "errors/500.html", status=500)
