import { clientRuleViolations, registrationSettings, type ClientSettings } from '@latchkey/clients';
import { registerDecorator, type ValidationArguments } from 'class-validator';

/**
 * Runs the registry's client rules (libs/clients) on the whole registration and reports
 * the violations that concern the decorated property, so that a 400 names each field.
 */
export function FollowsClientRules() {
  return (target: object, propertyName: string) => {
    const violations = (args: ValidationArguments) =>
      clientRuleViolations(registrationSettings(args.object as ClientSettings)).filter((e) => e.field === args.property);
    registerDecorator({
      name: 'followsClientRules',
      target: target.constructor,
      propertyName,
      validator: {
        validate: (_value: unknown, args: ValidationArguments) => violations(args).length === 0,
        defaultMessage: (args?: ValidationArguments) => (args ? violations(args).map((e) => e.message).join('; ') : 'invalid'),
      },
    });
  };
}
