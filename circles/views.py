from django.shortcuts import render

from circles import selectors


def home(request):
    organizations = selectors.organizations_for(request.user)
    return render(request, "home.html", {"organizations": organizations})
