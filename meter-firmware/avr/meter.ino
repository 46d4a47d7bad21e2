/*
 * HydroSync prepaid water meter: ATmega328P (Arduino Pro Mini 3.3 V,
 * 8 MHz) with a power-gated BLE UART module.  This file is the board:
 * pins, interrupts, sleep, the HAL (../core/hal.h) and the main loop.
 * All meter logic is in the portable core.
 *
 * Pins (docs/hardware in ../README.md):
 *	D2  PD2 PCINT18  flow reed A (pull-up, pulse = falling edge)
 *	D4  PD4          flow reed B, 90 degrees behind A: high at A's
 *	                 falling edge = forward, low = reverse
 *	D3  PD3 PCINT19  BLE module STATE (high = central connected)
 *	D5  PD5          BLE module power gate (high = on)
 *	D6  PD6 PCINT22  wake button / magnet reed (low = pressed)
 *	D7  PD7          valve OPEN coil drive (pulse)
 *	D8  PB0          valve CLOSE coil drive (pulse)
 *	A0  PC0 ADC0     battery divider (1/3) against the 1.1 V reference
 *	A1  PC1 PCINT9   case switch (closed to GND; high = case open)
 *	D0/D1            UART to the BLE module, 9600 8N1
 *
 * GPIOR0 carries markers for the simulator harness: 1 and 2 around the
 * processing of received BLE bytes (tests/firmware, bench/meter).
 */
#include <Arduino.h>
#include <avr/eeprom.h>
#include <avr/interrupt.h>
#include <avr/pgmspace.h>
#include <avr/power.h>
#include <avr/sleep.h>
#include <avr/wdt.h>
#include <util/delay.h>

extern "C" {
#include "hal.h"
#include "meter.h"
#include "proto.h"
}

#define PIN_FLOW_A	2
#define PIN_BLE_STATE	3
#define PIN_FLOW_B	4
#define PIN_BLE_POWER	5
#define PIN_WAKE	6
#define PIN_VALVE_OPEN	7
#define PIN_VALVE_CLOSE	8
#define PIN_BATTERY	A0
#define PIN_TAMPER	A1

#define WDT_SECONDS	8
#define VALVE_PULSE_MS	50	/* bistable valve driver trigger pulse */
#define BLE_WAKE_S	120	/* window after a button/magnet wake */
#define BLE_SCHED_S	30	/* scheduled window ... */
#define BLE_SCHED_EVERY	86400UL	/* ... once a day */
#define BLE_MAX_S	600	/* cap while a central stays connected */

/*
 * Factory-test provisioning, used only when the EEPROM holds no valid
 * meter (a blank chip): production meters are provisioned by writing
 * the EEPROM image (see README).  EA11 decoder key of the STSA
 * conformance example CTSA01_04.
 */
static const uint8_t demo_key[16] PROGMEM = {
	0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
	0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c
};
static const uint8_t demo_dk[16] PROGMEM = {
	0xf9, 0x4b, 0x6e, 0xd3, 0x53, 0xc3, 0xbf, 0xdb,
	0x11, 0x3e, 0x2d, 0x3a, 0x7e, 0xa3, 0xc4, 0x1d
};

/* IEC 62055-41 sample STA tables for EA07: TEST ONLY, not STSA's. */
static const uint8_t sta_s1[16] PROGMEM = {
	12, 10, 8, 4, 3, 15, 0, 2, 14, 1, 5, 13, 6, 9, 7, 11
};
static const uint8_t sta_s2[16] PROGMEM = {
	6, 9, 7, 4, 3, 10, 12, 14, 2, 13, 1, 15, 0, 11, 8, 5
};
static const uint8_t sta_p[64] PROGMEM = {
	29, 27, 34, 9, 16, 62, 55, 2, 40, 49, 38, 25, 33, 61, 30, 23,
	1, 41, 21, 57, 42, 15, 5, 58, 19, 53, 22, 17, 48, 28, 24, 39,
	3, 60, 36, 14, 11, 52, 54, 12, 31, 51, 10, 26, 0, 45, 37, 43,
	44, 6, 59, 4, 7, 35, 56, 50, 13, 18, 32, 47, 46, 63, 20, 8
};

static struct hs_meter		meter;
static struct hs_proto		proto;
static struct hs_sts_sta_table	sta;

static volatile uint8_t		fwd_pulses, rev_pulses, wdt_ticks;
static volatile uint8_t		pinc_changed;
static uint8_t			last_pind;
static uint8_t			ble_on, ble_connected;
static uint16_t			ble_left;	/* seconds of window left */
static uint32_t			ble_sched;	/* seconds to next window */

/* ------------------------------------------------------------ HAL */

extern "C" void
hs_hal_nv_read(uint16_t addr, void *buf, uint16_t len)
{
	eeprom_read_block(buf, (const void *)addr, len);
}

/* Byte by byte in address order, skipping bytes that already hold the
 * value (saves 3.3 ms and wear per byte); the journal needs no more. */
extern "C" void
hs_hal_nv_write(uint16_t addr, const void *buf, uint16_t len)
{
	const uint8_t	*p = (const uint8_t *)buf;

	while (len-- > 0)
		eeprom_update_byte((uint8_t *)addr++, *p++);
}

extern "C" void
hs_hal_valve(uint8_t open)
{
	uint8_t	pin = open ? PIN_VALVE_OPEN : PIN_VALVE_CLOSE;

	digitalWrite(pin, HIGH);
	_delay_ms(VALVE_PULSE_MS);
	digitalWrite(pin, LOW);
}

extern "C" void
hs_hal_link_write(const uint8_t *buf, uint8_t len)
{
	if (ble_connected)
		Serial.write(buf, len);
}

/* ------------------------------------------------------ interrupts */

/* Port D: flow reed A, BLE STATE, wake button. */
ISR(PCINT2_vect)
{
	uint8_t	now = PIND, fell = (uint8_t)(last_pind & ~now);

	last_pind = now;
	if (fell & _BV(PD2)) {
		if (now & _BV(PD4))
			fwd_pulses++;
		else
			rev_pulses++;
	}
}

/* Port C: case switch. */
ISR(PCINT1_vect)
{
	pinc_changed = 1;
}

ISR(WDT_vect)
{
	wdt_ticks++;
	/* simavr clears WDIE after each interrupt even with WDE = 0; real
	 * parts do not, and setting it again is harmless there. */
	WDTCSR |= _BV(WDIE);
}

/* --------------------------------------------------------- helpers */

static void
watchdog_8s(void)
{
	cli();
	wdt_reset();
	MCUSR &= (uint8_t)~_BV(WDRF);
	WDTCSR = _BV(WDCE) | _BV(WDE);
	WDTCSR = _BV(WDIE) | _BV(WDP3) | _BV(WDP0);	/* 8 s, interrupt */
	sei();
}

/* Battery through a 1/3 divider against the 1.1 V bandgap; the ADC is
 * powered only for the measurement. */
static void
measure_battery(void)
{
	uint32_t	raw;

	power_adc_enable();
	ADCSRA = _BV(ADEN) | _BV(ADPS2) | _BV(ADPS1);	/* 125 kHz */
	analogReference(INTERNAL);
	raw = (uint32_t)analogRead(PIN_BATTERY);
	ADCSRA = 0;
	power_adc_disable();
	hs_meter_battery(&meter, (uint16_t)(raw * 1100UL * 3 / 1023));
}

static void
ble_power(uint8_t on, uint16_t seconds)
{
	if (on) {
		if (!ble_on) {
			digitalWrite(PIN_BLE_POWER, HIGH);
			Serial.begin(9600);
			ble_on = 1;
			measure_battery();
		}
		if (seconds > ble_left)
			ble_left = seconds;
		return;
	}
	if (!ble_on)
		return;
	Serial.flush();
	Serial.end();
	/* Do not back-power the module through its RX pin. */
	pinMode(1, INPUT);
	digitalWrite(PIN_BLE_POWER, LOW);
	ble_on = 0;
	ble_connected = 0;
	ble_left = 0;
	hs_proto_reset(&proto);
}

static void
provision_demo(void)
{
	struct hs_meter_provision	p;

	memset(&p, 0, sizeof(p));
	p.conf.meter_id = 12345678UL;
	memcpy_P(p.conf.key, demo_key, 16);
	p.conf.pulses_per_l = 1;
	p.conf.low_credit_l = 500;
	p.conf.commit_l = 10;
	p.ea = HS_STS_EA11;
	p.kt = HS_STS_KT_DUTK;
	p.ken = HS_STS_KEN_NONE;
	p.sgc = 123457;
	memcpy_P(p.dk, demo_dk, 16);
	hs_meter_provision(&p);
}

static void
init_sta(void)
{
	uint8_t	s1[16], s2[16], pp[64];

	memcpy_P(s1, sta_s1, 16);
	memcpy_P(s2, sta_s2, 16);
	memcpy_P(pp, sta_p, 64);
	(void)hs_sts_sta_table_init(&sta, s1, s2, pp, NULL);
}

/* ------------------------------------------------------- main loop */

void
setup(void)
{
	/* Arduino's init() starts Timer0/1/2 and the ADC: all cost current
	 * in sleep and nothing here needs them. */
	TIMSK0 = 0;
	TCCR0B = 0;
	TCCR1B = 0;
	TCCR2B = 0;
	ADCSRA = 0;
	power_adc_disable();
	power_spi_disable();
	power_twi_disable();
	power_timer1_disable();
	power_timer2_disable();

	pinMode(PIN_FLOW_A, INPUT_PULLUP);
	pinMode(PIN_FLOW_B, INPUT_PULLUP);
	pinMode(PIN_BLE_STATE, INPUT);
	pinMode(PIN_WAKE, INPUT_PULLUP);
	pinMode(PIN_TAMPER, INPUT_PULLUP);
	pinMode(PIN_BLE_POWER, OUTPUT);
	pinMode(PIN_VALVE_OPEN, OUTPUT);
	pinMode(PIN_VALVE_CLOSE, OUTPUT);
	digitalWrite(PIN_BLE_POWER, LOW);
	digitalWrite(PIN_VALVE_OPEN, LOW);
	digitalWrite(PIN_VALVE_CLOSE, LOW);
	/* INT0/INT1 share PD2/PD3: rising-edge mode so a low level never
	 * fires them (they are masked anyway). */
	EICRA = 0x0F;
	EIMSK = 0;

	init_sta();
	if (hs_meter_boot(&meter, &sta) != 0) {
		provision_demo();
		(void)hs_meter_boot(&meter, &sta);
	}
	hs_proto_init(&proto, &meter, 0);
	hs_meter_tamper(&meter, digitalRead(PIN_TAMPER) == HIGH);
	measure_battery();
	ble_sched = BLE_SCHED_EVERY;

	last_pind = PIND;
	PCMSK2 = _BV(PCINT18) | _BV(PCINT19) | _BV(PCINT22);
	PCMSK1 = _BV(PCINT9);
	PCICR = _BV(PCIE2) | _BV(PCIE1);
	watchdog_8s();
}

static void
take_pulses(void)
{
	uint8_t	f, r;

	cli();
	f = fwd_pulses;
	r = rev_pulses;
	fwd_pulses = rev_pulses = 0;
	sei();
	while (f-- > 0)
		hs_meter_pulse(&meter, 0);
	while (r-- > 0)
		hs_meter_pulse(&meter, 1);
}

static void
take_time(void)
{
	uint8_t		t;
	uint16_t	s;
	uint32_t	hour = meter.ring.hour;

	cli();
	t = wdt_ticks;
	wdt_ticks = 0;
	sei();
	if (t == 0)
		return;
	s = (uint16_t)t * WDT_SECONDS;
	hs_meter_tick(&meter, s);
	if (meter.ring.hour != hour)
		measure_battery();
	if (ble_sched <= s) {
		ble_sched = BLE_SCHED_EVERY;
		ble_power(1, BLE_SCHED_S);
	} else {
		ble_sched -= s;
	}
	if (ble_on) {
		if (ble_connected && ble_left < BLE_MAX_S)
			ble_left = (uint16_t)(ble_left + s > BLE_MAX_S ?
			    BLE_MAX_S : ble_left + s);
		if (ble_left <= s)
			ble_power(0, 0);
		else
			ble_left = (uint16_t)(ble_left - s);
	}
}

static void
take_link(void)
{
	uint8_t	c, connected;

	if (digitalRead(PIN_WAKE) == LOW)
		ble_power(1, BLE_WAKE_S);
	if (!ble_on)
		return;
	connected = digitalRead(PIN_BLE_STATE) == HIGH;
	if (connected != ble_connected) {
		ble_connected = connected;
		hs_proto_reset(&proto);
	}
	while (Serial.available() > 0) {
		c = (uint8_t)Serial.read();
		GPIOR0 = 1;
		hs_proto_input(&proto, &c, 1);
		GPIOR0 = 2;
	}
	if (ble_connected)
		hs_proto_alerts(&proto);
}

static uint8_t
work_pending(void)
{
	return (fwd_pulses || rev_pulses || wdt_ticks || pinc_changed ||
	    (ble_on && Serial.available() > 0));
}

void
loop(void)
{
	take_pulses();
	take_time();
	if (pinc_changed) {
		pinc_changed = 0;
		hs_meter_tamper(&meter, digitalRead(PIN_TAMPER) == HIGH);
	}
	take_link();

	/* With the module on, idle keeps the UART receiving; otherwise
	 * power down, woken by a pin change or the watchdog. */
	if (ble_on) {
		set_sleep_mode(SLEEP_MODE_IDLE);
	} else {
		set_sleep_mode(SLEEP_MODE_PWR_DOWN);
	}
	cli();
	if (work_pending()) {
		sei();
		return;
	}
	sleep_enable();
	sleep_bod_disable();
	sei();
	sleep_cpu();
	sleep_disable();
}
