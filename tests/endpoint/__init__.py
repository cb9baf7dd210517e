"""Tests that start one endpoint process: the endpoint's own behaviour (emulator/), and the provider against it (provider/)."""
