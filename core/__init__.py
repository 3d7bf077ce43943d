"""Exchanger's shared kernel: settings, logging, contracts, Camunda and RabbitMQ clients, BPMN, ledger."""
