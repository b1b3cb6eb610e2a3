"""A view that publishes after its work is done: tether_worker.notify reaches every open tab
of the user, through any gateway."""

from django.http import JsonResponse
from django.views.decorators.http import require_POST

import tether_worker


@require_POST
def ship(request, order_id: str):
    user = request.POST["user"]
    # … mark the order shipped in the database, then:
    event = tether_worker.notify(user, "order.shipped", {"id": order_id}, f"Order {order_id} shipped")
    return JsonResponse({"offset": event["offset"]})
