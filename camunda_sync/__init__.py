"""camunda_sync: StormBPMN client, BPMN converter and validator, deployer and sync.

Modellers draw in StormBPMN (or any BPMN 2.0 tool); ``camunda_sync`` turns those diagrams
into executable Camunda 7 BPMN whose work runs as external tasks, checks them, and deploys
them to Camunda 7 or Operaton. See docs/camunda-sync.md.
"""
