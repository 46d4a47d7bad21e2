-- Bill notices: "bill issued" for every new invoice, written with it (one
-- statement-level trigger, set-based, so a million-invoice run stays one
-- insert), and "overdue" reminders, at most one per invoice a week, from
-- the daily bills.overdue job.  Both go through hs_notify_many: the
-- customer's channels for kind "bill", quiet hours for SMS, integrators'
-- webhooks (bill.issued).

CREATE FUNCTION hs_bill_issued() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_items hs_notice[];
BEGIN
    SELECT array_agg(ROW(n.utility_id, n.customer_id,
           'Tagihan air ' || to_char(n.period, 'MM/YYYY') || ' meter ' ||
           m.number || ': ' || hs_rupiah(n.total) || ' (' ||
           hs_volume(n.usage, 'water') || '), jatuh tempo ' ||
           to_char(n.due_date, 'DD-MM-YYYY') || '.',
           jsonb_build_object('invoice', n.id, 'number', n.number,
               'period', to_char(n.period, 'YYYY-MM'), 'total', n.total,
               'due_date', n.due_date),
           'bill:' || n.id)::hs_notice)
      INTO v_items
      FROM new_invoices n JOIN meters m ON m.id = n.meter_id;
    IF v_items IS NOT NULL THEN
        PERFORM hs_notify_many('bill', 'Tagihan', v_items);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER invoices_issued AFTER INSERT ON invoices
    REFERENCING NEW TABLE AS new_invoices
    FOR EACH STATEMENT EXECUTE FUNCTION hs_bill_issued();

-- Reminders for invoices still unpaid after their due date, on p_day:
-- one per invoice per week overdue (the key says which week).
CREATE FUNCTION hs_bill_overdue_notify(p_day date) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_items hs_notice[];
BEGIN
    SELECT array_agg(ROW(i.utility_id, i.customer_id,
           'Tagihan air ' || to_char(i.period, 'MM/YYYY') || ' meter ' ||
           m.number || ' sebesar ' || hs_rupiah(i.total - i.paid_amount) ||
           ' lewat jatuh tempo ' || to_char(i.due_date, 'DD-MM-YYYY') ||
           '. Mohon segera dibayar agar layanan tidak dihentikan.',
           jsonb_build_object('invoice', i.id, 'number', i.number,
               'outstanding', i.total - i.paid_amount,
               'due_date', i.due_date, 'days_overdue', p_day - i.due_date),
           'overdue:' || i.id || ':' || ((p_day - i.due_date - 1) / 7))
           ::hs_notice)
      INTO v_items
      FROM invoices i JOIN meters m ON m.id = i.meter_id
     WHERE i.state IN ('open', 'partial') AND i.due_date < p_day;
    IF v_items IS NULL THEN
        RETURN 0;
    END IF;
    RETURN hs_notify_many('bill', 'Tagihan lewat jatuh tempo', v_items);
END $$;
