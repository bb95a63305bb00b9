"""dj-stripe's webhook view under /stripe/, as its docs wire it."""
from django.urls import include, path

urlpatterns = [path("stripe/", include("djstripe.urls", namespace="djstripe"))]
