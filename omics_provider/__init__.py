"""Pulumi dynamic provider for AWS HealthOmics reference stores and reference import jobs."""
