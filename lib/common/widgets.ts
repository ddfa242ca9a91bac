/** What every check's dashboard row is made of: the widget size, and the row of its alarms' states. */
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import { alarmByName } from './alarm-kit';

export const WIDTH = 8;
export const HEIGHT = 6;

export function alarmRow(scope: Construct, title: string, alarms: ReadonlyArray<cloudwatch.Alarm | cloudwatch.CompositeAlarm>): cloudwatch.IWidget {
  // An alarm status widget shows at most 100 alarms.
  return new cloudwatch.AlarmStatusWidget({ title, width: 24, height: 3, alarms: alarms.slice(0, 100).map((a) => alarmByName(scope, a)) });
}
