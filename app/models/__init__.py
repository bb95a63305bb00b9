"""Database models."""

from app.models.admin_user import AdminUser
from app.models.buyer import Access, AccessEvent, Buyer
from app.models.consent import Consent
from app.models.coupon import Coupon, CouponRedemption
from app.models.course import Course
from app.models.dispute import Dispute
from app.models.image import Image
from app.models.invoice import DocumentKind, Invoice, InvoiceCounter, IssuedDocumentChanged
from app.models.lesson import Lesson
from app.models.order import Order, OrderStatus
from app.models.outbox import OutboxMessage, OutboxStatus
from app.models.payment_attempt import AttemptStatus, PaymentAttempt, RequestState
from app.models.policy import POLICY_KINDS, PolicyVersion
from app.models.progress import LessonProgress
from app.models.refund import Refund
from app.models.sign_in_token import SignInToken
from app.models.stored_card import StoredCard
from app.models.throttle import Throttle
from app.models.webhook_event import WebhookEvent

__all__ = [
    "Access",
    "AccessEvent",
    "AdminUser",
    "AttemptStatus",
    "Buyer",
    "Consent",
    "Coupon",
    "CouponRedemption",
    "Course",
    "Dispute",
    "Image",
    "DocumentKind",
    "Invoice",
    "InvoiceCounter",
    "IssuedDocumentChanged",
    "Lesson",
    "LessonProgress",
    "Order",
    "OrderStatus",
    "OutboxMessage",
    "OutboxStatus",
    "POLICY_KINDS",
    "PaymentAttempt",
    "PolicyVersion",
    "Refund",
    "RequestState",
    "SignInToken",
    "StoredCard",
    "Throttle",
    "WebhookEvent",
]
