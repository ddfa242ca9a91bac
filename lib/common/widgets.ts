/** What every check's dashboard row is made of: the widget size, and the row of its alarms' states. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { alarmByName } from './alarm-kit';

export const WIDTH = 8;
export const HEIGHT = 6;

export function alarmRow(scope: Construct, title: string, alarms: object): cloudwatch.IWidget {
  // An alarm status widget shows at most 100 alarms.
  return new cloudwatch.AlarmStatusWidget({
    title,
    width: 24,
    height: 3,
    alarms: allAlarms(alarms)
      .slice(0, 100)
      .map((a) => alarmByName(scope, a)),
  });
}

/** Every alarm in a check's alarms, however grouped (a level's hold, a heartbeat's gates, a group's alarms). */
export function allAlarms(alarms: object): Array<cloudwatch.Alarm | cloudwatch.CompositeAlarm> {
  if (alarms instanceof cloudwatch.Alarm || alarms instanceof cloudwatch.CompositeAlarm) return [alarms];
  return Object.values(alarms).flatMap((v) => (v && typeof v === 'object' ? allAlarms(v) : []));
}
