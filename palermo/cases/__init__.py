"""Case management for a national referral mechanism, aligned with HTCDS v2.0."""
