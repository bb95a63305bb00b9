"""Database models."""

from app.models.admin_user import AdminUser
from app.models.buyer import Access, AccessEvent, Buyer
from app.models.course import Course
from app.models.dispute import Dispute
from app.models.invoice import DocumentKind, Invoice, InvoiceCounter, IssuedDocumentChanged
from app.models.lesson import Lesson
from app.models.order import Order, OrderStatus
from app.models.outbox import OutboxMessage, OutboxStatus
from app.models.payment_attempt import AttemptStatus, PaymentAttempt, RequestState
from app.models.refund import Refund
from app.models.sign_in_token import SignInToken
from app.models.throttle import Throttle
from app.models.webhook_event import WebhookEvent

__all__ = [
    "Access",
    "AccessEvent",
    "AdminUser",
    "AttemptStatus",
    "Buyer",
    "Course",
    "Dispute",
    "DocumentKind",
    "Invoice",
    "InvoiceCounter",
    "IssuedDocumentChanged",
    "Lesson",
    "Order",
    "OrderStatus",
    "OutboxMessage",
    "OutboxStatus",
    "PaymentAttempt",
    "Refund",
    "RequestState",
    "SignInToken",
    "Throttle",
    "WebhookEvent",
]
