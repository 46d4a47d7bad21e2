-- Demo data for `make run`: a regional water utility and an apartment
-- building that resells electricity.  Idempotent: loading it twice
-- changes nothing.  Demo accounts are created by `hydrosync db demo`
-- after this file (their passwords need hashing).

INSERT INTO utilities (code, name, kind, timezone) VALUES
    ('pdam-tirta', 'PDAM Tirta Sejahtera', 'pdam', 'Asia/Jakarta'),
    ('apt-melati', 'Apartemen Melati', 'apartment', 'Asia/Makassar')
ON CONFLICT (code) DO NOTHING;

INSERT INTO customer_groups (utility_id, code, name)
SELECT u.id, g.code, g.name
  FROM utilities u,
       (VALUES ('R1', 'Rumah tangga 1'), ('R2', 'Rumah tangga 2'),
               ('N1', 'Niaga kecil')) AS g (code, name)
 WHERE u.code = 'pdam-tirta'
ON CONFLICT (utility_id, code) DO NOTHING;

INSERT INTO tariff_groups (utility_id, code, name, service_type)
SELECT u.id, t.code, t.name, t.service
  FROM utilities u,
       (VALUES ('pdam-tirta', 'AIR-R1', 'Air rumah tangga R1', 'water'),
               ('pdam-tirta', 'AIR-N1', 'Air niaga kecil N1', 'water'),
               ('apt-melati', 'LISTRIK-R', 'Listrik hunian', 'electricity'))
            AS t (utility, code, name, service)
 WHERE u.code = t.utility
ON CONFLICT (utility_id, code) DO NOTHING;

-- Progressive blocks in litres (water) or Wh (electricity); prices in
-- rupiah per m3 or kWh.  R1 follows a published PDAM table: 0-10 m3
-- Rp1,100; 11-20 Rp1,800; 21-30 Rp1,900; above Rp2,100.
INSERT INTO tariff_versions (tariff_group_id, valid_from, blocks,
                             fixed_monthly, minimum_charge, admin_fee, tax_bp,
                             late_penalty_bp)
SELECT t.id, DATE '2026-01-01', v.blocks::jsonb, v.fixed, v.minimum, v.admin,
       v.tax, v.penalty
  FROM tariff_groups t
  JOIN (VALUES
        ('AIR-R1', '[{"upto":10000,"price":1100},{"upto":20000,"price":1800},'
                   '{"upto":30000,"price":1900},{"upto":null,"price":2100}]',
         8000, 11000, 2500, 0, 200),
        ('AIR-N1', '[{"upto":10000,"price":2200},{"upto":20000,"price":3100},'
                   '{"upto":null,"price":4300}]', 10000, 22000, 2500, 0, 200),
        ('LISTRIK-R', '[{"upto":null,"price":1445}]', 0, 0, 0, 1000, 0))
       AS v (code, blocks, fixed, minimum, admin, tax, penalty)
    ON v.code = t.code
ON CONFLICT (tariff_group_id, valid_from) DO NOTHING;

INSERT INTO customers (utility_id, number, name, address, phone, email,
                       group_id)
SELECT u.id, c.number, c.name, c.address, c.phone, c.email,
       (SELECT g.id FROM customer_groups g
         WHERE g.utility_id = u.id AND g.code = c.grp)
  FROM utilities u
  JOIN (VALUES
    ('pdam-tirta', '1001', 'Siti Rahayu', 'Jl. Merpati 12, Karanganyar',
     '6281234560001', 'siti@example.id', 'R1'),
    ('pdam-tirta', '1002', 'Budi Santoso', 'Jl. Kenanga 3, Karanganyar',
     '6281234560002', NULL, 'R1'),
    ('pdam-tirta', '1003', 'Warung Makan Bu Tini', 'Jl. Pasar 7',
     '6281234560003', NULL, 'N1'),
    ('pdam-tirta', '1004', 'Agus Wijaya', 'Perum Griya Asri B-4',
     '6281234560004', 'agus@example.id', 'R2'),
    ('apt-melati', 'A-0101', 'Dewi Lestari', 'Tower A lt. 1 no. 1',
     '6281234560101', 'dewi@example.id', NULL),
    ('apt-melati', 'A-0102', 'Rudi Hartono', 'Tower A lt. 1 no. 2',
     '6281234560102', NULL, NULL))
    AS c (utility, number, name, address, phone, email, grp)
    ON u.code = c.utility
ON CONFLICT (utility_id, number) DO NOTHING;

INSERT INTO meters (utility_id, customer_id, number, pan, service_type,
                    tariff_group_id, sgc, algorithm, dkga, base_date,
                    install_address)
SELECT u.id,
       (SELECT c.id FROM customers c
         WHERE c.utility_id = u.id AND c.number = m.customer),
       m.number, m.pan, m.service,
       (SELECT t.id FROM tariff_groups t
         WHERE t.utility_id = u.id AND t.code = m.tariff),
       m.sgc, 'EA11', 4, 2014, m.address
  FROM utilities u
  JOIN (VALUES
    ('pdam-tirta', '1001', '47040000011', '600727470400000117', 'water',
     'AIR-R1', 123457, 'Jl. Merpati 12'),
    ('pdam-tirta', '1002', '47040000029', '600727470400000299', 'water',
     'AIR-R1', 123457, 'Jl. Kenanga 3'),
    ('pdam-tirta', '1003', '47040000037', '600727470400000372', 'water',
     'AIR-N1', 123457, 'Jl. Pasar 7'),
    ('pdam-tirta', '1004', '47040000045', '600727470400000455', 'water',
     'AIR-R1', 123457, 'Perum Griya Asri B-4'),
    ('apt-melati', 'A-0101', '47050000018', '600727470500000181',
     'electricity', 'LISTRIK-R', 223344, 'Tower A 0101'),
    ('apt-melati', 'A-0102', '47050000026', '600727470500000264',
     'electricity', 'LISTRIK-R', 223344, 'Tower A 0102'))
    AS m (utility, customer, number, pan, service, tariff, sgc, address)
    ON u.code = m.utility
ON CONFLICT (utility_id, number) DO NOTHING;

SELECT hs_job_enqueue('demo.hello', '{"note": "HydroSync demo data loaded"}',
                      'demo-hello', 'demo');
