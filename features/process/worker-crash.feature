@process @crash
Feature: A worker crashes in the middle of a conversion
  A worker that dies mid-request must cost the client nothing but time: the controller notices the crash
  quickly, retries the document on another worker, and bills the request exactly once.

  Scenario: Worker killed with SIGKILL while converting a large document
    Given a healthy controller with 2 registered workers
    When a client starts submitting a 50 MB document conversion request
    And the worker handling it is killed with SIGKILL 2 seconds in
    And the request has completed
    Then the controller detects the crash within 5 seconds
    And the controller retries on an alternate worker
    And the request succeeds within 60 seconds
    And every successful request is charged exactly once
