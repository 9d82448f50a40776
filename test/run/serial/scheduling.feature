Feature: Scenarios that record when they ran (test/run/serial.test.ts)
  Four ordinary scenarios and two tagged @serial, each holding its worker for a moment: in a parallel run
  the ordinary ones overlap, the @serial ones never overlap anything.

  @serial
  Scenario: serial one
    Given it holds its worker for 400 ms

  Scenario: plain one
    Given it holds its worker for 400 ms

  Scenario: plain two
    Given it holds its worker for 400 ms

  @serial
  Scenario: serial two
    Given it holds its worker for 400 ms

  Scenario: plain three
    Given it holds its worker for 400 ms

  Scenario: plain four
    Given it holds its worker for 400 ms
