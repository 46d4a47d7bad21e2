-- Demo data for `make run`.  Idempotent: loading it twice changes nothing.
-- Each capability appends its own demo rows here as it lands.
SELECT hs_job_enqueue('demo.hello', '{"note": "HydroSync demo data loaded"}',
                      'demo-hello', 'demo');
