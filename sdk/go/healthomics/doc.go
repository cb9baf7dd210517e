// AWS HealthOmics reference stores and reference import jobs.
package healthomics
