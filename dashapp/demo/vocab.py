"""Word lists and fixed proportions of the demo book. Plain data: the generator draws codes into these."""

from __future__ import annotations

SEGMENTS = ("enterprise", "mid-market", "smb")
SEGMENT_SHARE = (0.08, 0.27, 0.65)

PLANS = ("starter", "growth", "business", "enterprise")
# Plan mix per segment (rows follow SEGMENTS).
PLAN_SHARE = (
    (0.00, 0.00, 0.22, 0.78),
    (0.00, 0.33, 0.57, 0.10),
    (0.55, 0.39, 0.06, 0.00),
)
# List price per seat per month, by plan.
SEAT_PRICE = (25.0, 45.0, 70.0, 95.0)
# Seats: median and spread (lognormal) and bounds, per segment.
SEATS = ((400.0, 0.7, 80, 5000), (60.0, 0.5, 15, 300), (8.0, 0.5, 2, 40))
# Contract terms in months and their shares, per segment.
TERM_SHARE = ((0.60, 0.25, 0.15), (0.00, 0.85, 0.15), (0.40, 0.60, 0.00))
TERM_CHOICES = ((12, 24, 36), (1, 12, 24), (1, 12, 24))
# Contacts per account: low/high (inclusive) per segment.
CONTACTS = ((8, 25), (4, 10), (2, 5))
# Support tickets per month for a typical account, per segment.
TICKETS_PER_MONTH = (6.0, 2.0, 0.6)

REGIONS = ("North America", "EMEA", "APAC", "LATAM")
REGION_SHARE = (0.50, 0.30, 0.15, 0.05)
CURRENCIES = ("USD", "EUR", "GBP")

INDUSTRIES = (
    "Software",
    "Financial Services",
    "Healthcare",
    "Retail",
    "Manufacturing",
    "Education",
    "Media",
    "Logistics",
    "Professional Services",
    "Telecommunications",
    "Energy",
    "Public Sector",
)
INDUSTRY_SHARE = (0.22, 0.12, 0.10, 0.09, 0.09, 0.07, 0.06, 0.06, 0.08, 0.04, 0.03, 0.04)

# Product features, most adopted first. The first is the core of the product and never abandoned.
FEATURES = (
    "dashboards",
    "reports",
    "alerts",
    "exports",
    "integrations",
    "collaboration",
    "workflows",
    "automations",
    "api",
    "mobile",
)
FEATURE_ACTIONS = (
    "Dashboard Viewed",
    "Report Run",
    "Alert Created",
    "Export Downloaded",
    "Integration Synced",
    "Comment Posted",
    "Workflow Edited",
    "Automation Triggered",
    "API Called",
    "Mobile Session",
)
# Share of accounts that ever adopt each feature.
FEATURE_REACH = (1.0, 0.92, 0.8, 0.7, 0.6, 0.55, 0.45, 0.35, 0.3, 0.25)
# Plans (index into PLANS) below which a feature is not available.
FEATURE_MIN_PLAN = (0, 0, 0, 0, 1, 0, 1, 2, 2, 0)
LOGIN_EVENT = "Signed In"
PAGES = ("Home", "Accounts", "Settings", "Search", "Billing", "Help")

NAME_FIRST = [
    "Acme",
    "Apex",
    "Arbor",
    "Atlas",
    "Aurora",
    "Beacon",
    "Birch",
    "Blue",
    "Bright",
    "Brook",
    "Cedar",
    "Cinder",
    "Civic",
    "Clear",
    "Cobalt",
    "Copper",
    "Coral",
    "Crest",
    "Crown",
    "Delta",
    "Echo",
    "Ember",
    "Everest",
    "Falcon",
    "Fern",
    "Fjord",
    "Forge",
    "Frontier",
    "Galaxy",
    "Garnet",
    "Granite",
    "Harbor",
    "Haven",
    "Helix",
    "Horizon",
    "Indigo",
    "Iron",
    "Ivory",
    "Jade",
    "Juniper",
    "Keystone",
    "Kinetic",
    "Lakeside",
    "Lantern",
    "Laurel",
    "Legacy",
    "Lumen",
    "Lunar",
    "Magnolia",
    "Maple",
    "Meridian",
    "Metro",
    "Midland",
    "Monarch",
    "Nimbus",
    "Noble",
    "North",
    "Nova",
    "Oak",
    "Onyx",
    "Orbit",
    "Orchid",
    "Pacific",
    "Paragon",
    "Peak",
    "Pine",
    "Pinnacle",
    "Pioneer",
    "Polar",
    "Prairie",
    "Prism",
    "Quantum",
    "Quartz",
    "Radiant",
    "Raven",
    "Redwood",
    "Ridge",
    "River",
    "Sable",
    "Sage",
    "Sapphire",
    "Sequoia",
    "Sierra",
    "Silver",
    "Solar",
    "Sparrow",
    "Spruce",
    "Sterling",
    "Stone",
    "Summit",
    "Swift",
    "Tidal",
    "Timber",
    "Trident",
    "True",
    "Union",
    "Valley",
    "Vantage",
    "Vector",
    "Verde",
    "Vista",
    "Willow",
    "Zenith",
]
NAME_SECOND = [
    "Analytics",
    "Bio",
    "Capital",
    "Cloud",
    "Commerce",
    "Data",
    "Dynamics",
    "Energy",
    "Foods",
    "Freight",
    "Health",
    "Insights",
    "Labs",
    "Learning",
    "Logistics",
    "Media",
    "Medical",
    "Networks",
    "Partners",
    "Pay",
    "Robotics",
    "Security",
    "Software",
    "Solutions",
    "Systems",
    "Technologies",
    "Telecom",
    "Ventures",
    "Works",
]
NAME_SUFFIX = ("Inc", "Ltd", "GmbH", "Group", "Co", "LLC", "Corp", "")
TLDS = ("com", "io", "co", "net", "ai")

PERSON_FIRST = [
    "Alex",
    "Amara",
    "Ana",
    "Ben",
    "Carla",
    "Chen",
    "Dana",
    "Diego",
    "Elena",
    "Emma",
    "Farah",
    "Felix",
    "Grace",
    "Hana",
    "Ivan",
    "Jamal",
    "Jin",
    "Julia",
    "Kai",
    "Karin",
    "Leo",
    "Lina",
    "Luca",
    "Maya",
    "Mei",
    "Nadia",
    "Noah",
    "Olga",
    "Omar",
    "Priya",
    "Rafael",
    "Rosa",
    "Sam",
    "Sara",
    "Tom",
    "Uma",
    "Victor",
    "Yara",
    "Zoe",
]
PERSON_LAST = [
    "Adams",
    "Berg",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jensen",
    "Khan",
    "Kim",
    "Lopez",
    "Muller",
    "Nakamura",
    "Novak",
    "Okafor",
    "Patel",
    "Quinn",
    "Rossi",
    "Santos",
    "Schmidt",
    "Silva",
    "Singh",
    "Tanaka",
    "Walsh",
    "Weber",
    "Wong",
    "Young",
    "Zhang",
]
TITLES = (
    "VP Customer Success",
    "Head of Operations",
    "Product Manager",
    "IT Administrator",
    "Finance Director",
    "Data Analyst",
    "Team Lead",
    "Chief Technology Officer",
    "Operations Manager",
    "Engineer",
)
CONTACT_ROLES = ("champion", "executive sponsor", "admin", "billing", "user")
CSM_NAMES = (
    "Avery Brooks",
    "Jordan Patel",
    "Riley Chen",
    "Taylor Okafor",
    "Morgan Silva",
    "Casey Novak",
    "Quinn Rossi",
    "Jamie Tanaka",
    "Drew Hansen",
    "Sky Garcia",
    "Robin Weber",
    "Kendall Kim",
)

CHURN_REASONS_DECLINE = (
    "Low adoption",
    "Switched to a competitor",
    "Missing features",
    "Poor support experience",
    "Price too high for the value",
    "Onboarding never completed",
)
CHURN_REASONS_SUDDEN = (
    "Acquired by another company",
    "Budget cuts",
    "Champion left the company",
    "Business closed",
    "Consolidated onto another platform",
)

TICKET_PRIORITIES = ("low", "normal", "high", "urgent")
TICKET_SUBJECTS = (
    "Cannot log in with SSO",
    "Report shows wrong totals",
    "Export times out",
    "How do I add a user?",
    "Integration stopped syncing",
    "Feature request: custom fields",
    "Dashboard loads slowly",
    "Invoice question",
    "API rate limit errors",
    "Alert emails not arriving",
    "Data missing since yesterday",
    "Permissions not applied",
)
PAYMENT_FAILURES = ("card_declined", "insufficient_funds", "expired_card", "bank_transfer_rejected")
NPS_COMMENTS = (
    ("Too many problems lately, we are evaluating alternatives.", "Support takes too long.", "Hard to use."),
    ("Does the job but reporting could be better.", "Fine overall.", "Some features feel unfinished."),
    ("The team relies on it every day.", "Great product and great support.", "Saved us hours every week."),
)
