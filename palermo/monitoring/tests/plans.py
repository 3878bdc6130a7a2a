"""A file of plans for the tests: a regional plan of COMMIT's members and a Cambodian national
plan that implements it, one of its indicators reporting to a regional one."""

PLANS = """
plans:
  - key: spa-test
    title: "Sub-regional plan of action (test)"
    short_title: "SPA (test)"
    level: regional
    mechanism: COMMIT
    start: 2008-01-01
    end: 2010-12-31
    source: "test"
    objectives:
      - number: "1"
        title: "Legal frameworks"
        indicators:
          - number: "1.a"
            title: "Members party to the Trafficking Protocol"
            kind: computed
            metric: "parties:trafficking-protocol"
            unit: States
            baseline: {value: 3, date: 2007-12-31}
            targets:
              - {period_start: 2008-01-01, period_end: 2008-12-31, value: 4}
              - {period_start: 2009-01-01, period_end: 2010-12-31, value: 6}
          - number: "1.b"
            title: "Members with a national task force"
            kind: reported
            unit: States
            roll_up: count
            targets:
              - {period_start: 2009-01-01, period_end: 2009-12-31, value: 6}
        activities:
          - number: "1.1"
            title: "Review national legislation"
            responsible: "Member States"
            start: 2008-01-01
            end: 2009-06-30
  - key: khm-test
    title: "National plan of Cambodia (test)"
    level: national
    country: KHM
    parent: spa-test
    start: 2009-01-01
    end: 2009-12-31
    objectives:
      - number: "1"
        title: "Coordination"
        indicators:
          - number: "1.a"
            title: "National task force established"
            kind: reported
            unit: "yes/no"
            rolls_up_to: "spa-test/1.b"
            targets:
              - {period_start: 2009-01-01, period_end: 2009-12-31, value: 1}
"""
