# Made for test/features/interrupt.test.ts, not part of the suite: short scenarios whose steps cover every
# kind of moment an interrupt can strike — the topology coming up, load running, each kind of fault being
# applied or held, a request in flight, a verdict being judged — on a small topology so each run is quick.
Feature: An experiment that is interrupted at any moment

  Scenario: A partition under load
    Given a healthy controller with 2 registered workers
    When 2 concurrent clients start submitting document conversion requests for 3 seconds
    And the network between the controller and 1 of its workers is partitioned for 1 second
    And 1 of the controller's workers respond 200ms slower for 1 second
    And the load has finished
    Then the error rate is below 100%

  Scenario: A crash, a slow worker and a bad certificate
    Given a healthy controller with 2 registered workers
    When 1 of the controller's workers presents a certificate that is expired
    And a client starts submitting a 2 MB document conversion request
    And the worker handling it is killed with SIGKILL 50ms in
    And the request has completed
    Then every successful request is charged exactly once

  Scenario: A DNS fault under load
    Given a healthy controller with 2 registered workers
    When 2 concurrent clients start submitting document conversion requests for 3 seconds
    And the controller's lookups of postgres fail with SERVFAIL for 1 second
    And the load has finished
    Then the error rate is below 100%

  Scenario: A replica fails, then the primary fails over
    Given a healthy controller with 1 registered workers and 2 postgres replicas
    When 2 concurrent clients start submitting document conversion requests for 5 seconds
    And 1 of the postgres replicas fails for 1 second
    And the load has run for 3 seconds
    And the postgres primary is killed and a replica is promoted for 1 second
    Then the replica lag of the postgres replicas is back under 1 MB within 10 seconds

  Scenario: A flapping link, a thin link and an unreachable store
    Given the system is running with 2 workers
    When 2 concurrent clients start submitting document conversion requests for 3 seconds
    And the link from controller to worker-1 is flapping every 300 ms for 1 second
    And the link from controller to worker-2 is limited to 16 KB/s for 1 second
    And redis is unreachable for 1 second

  Scenario: A split brain of the workers
    Given a healthy controller with 2 registered workers
    When 2 concurrent clients start submitting document conversion requests for 3 seconds
    And the workers are split into two halves for 1 second
    And the load has finished

  Scenario: Process faults: a pause, a graceful stop, a kill, a restart and a chaos monkey
    Given a healthy controller with 2 registered workers
    When 2 concurrent clients start submitting document conversion requests for 4 seconds
    And 1 of the workers is paused for 1 second
    And 1 of the workers is stopped with SIGTERM for 1 second
    And 1 of the workers is killed with SIGKILL for 1 second
    And the workers are restarted
    And a chaos monkey kills 1 of the workers every 500ms for 1 second
    And the load has finished
    Then the error rate is below 100%

  Scenario: Redis and Postgres faults under load
    Given a healthy controller with 1 registered workers
    When postgres runs out of connection slots for 1 second
    And 2 concurrent clients start submitting document conversion requests for 5 seconds
    And the redis keys matching "faultline:workers*" are poisoned for 1 second
    And the load has run for 2 seconds
    And postgres turns read-only for 1 second
    And redis is stopped for 1 second
    And the load has finished
    Then the error rate is below 100%

  Scenario: Malformed requests, an oversized one among them, under load
    Given a healthy controller with 1 registered workers
    When 2 concurrent clients start submitting document conversion requests for 3 seconds
    And a client submits 6 malformed document conversion requests (invalid JSON, wrong encoding, oversized to 96 MB) over 1 second
    And the load has finished
    Then every malformed document conversion request is rejected with a 4xx status

  Scenario: Security faults under load: a rotated password, a revoked grant, a denied command, a changed password
    Given a healthy controller with 1 registered workers
    When 2 concurrent clients start submitting document conversion requests for 5 seconds
    And the redis password is rotated
    And the postgres user loses INSERT on table "ledger" for 1 second
    And the redis user may no longer run "set" for 1 second
    And the load has run for 2 seconds
    And the postgres password changes without the system being told for 1 second
    And the load has finished
    Then the error rate is below 100%

  Scenario: Resource faults: a CPU quota, a hog, a memory cap and pressure, leaked connections, open files
    Given a healthy controller with 2 registered workers
    When 2 concurrent clients start submitting document conversion requests for 4 seconds
    And worker-1 is held to 1% of a CPU for 1 second
    And a CPU hog runs beside worker-2 for 1 second
    And the memory of worker-1 is capped at 2 MB above its use for 1 second
    And 16 MB of memory is held in the group of worker-2 for 1 second
    And connections to worker-2 leak at 20 per second for 1 second
    And the open-files limit of worker-2 is lowered below its use for 1 second
    And the load has finished

  Scenario: A flood of audited events under load while the audit store is slow
    Given a healthy controller with 1 registered workers
    When 2 concurrent clients start submitting document conversion requests for 3 seconds
    And postgres queries take 20 ms longer for 3 seconds
    And a client causes 100 audited rejected registrations per second for 2 seconds
    And the load has finished
    Then every audited rejected registration is recorded within 3 seconds

  Scenario: A disk fault: Redis's data disk full
    Given a healthy controller with 1 registered workers
    When 2 concurrent clients start submitting document conversion requests for 3 seconds
    And the disk of redis is full for 2 seconds
    And the load has finished

  Scenario: A bad server certificate under load
    Given a healthy controller with 2 registered workers
    When 2 concurrent clients start submitting document conversion requests for 3 seconds
    And the controller presents a certificate that is signed by an unknown CA for 1 second
    And the load has finished
    Then the workers refuse the controller's certificate within 2 seconds
