"""What HealthOmics itself decides, shared by the provider and the local endpoint (neither
imports the other): the service model's input rules, the documented limits the model lacks,
and the service-role trust policy.

    service_model   lengths, patterns, enums and counts, read from botocore's model
    quotas          tag count, source size, accepted file extensions, request rates
    service_role    the trust policy HealthOmics needs, and the check of one
"""
