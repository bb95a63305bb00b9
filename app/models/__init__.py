"""Database models."""

from app.models.admin_user import AdminUser
from app.models.course import Course
from app.models.lesson import Lesson
from app.models.order import Order, OrderStatus
from app.models.refund import Refund
from app.models.throttle import Throttle
from app.models.webhook_event import WebhookEvent

__all__ = [
    "AdminUser",
    "Course",
    "Lesson",
    "Order",
    "OrderStatus",
    "Refund",
    "Throttle",
    "WebhookEvent",
]
